export * from './types.js';
export * from './server.js';
export * from './verify.js';
export * from './stores.js';
export * from './alerts.js';
