export * from './types.js';
export * from './verify.js';
