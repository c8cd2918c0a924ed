// @collab-kit/client: the CollabKit realtime SDK. `import CollabKitClient from '@collab-kit/client'`.
import { CollabKitClient } from './client.js';

export { CollabKitClient, CollabKitUser, Users, Presence, Notifications } from './client.js';
export type { RoomWithUsers, SocketEmitter, UsersEvents, UserEvents, BroadcastListener } from './client.js';
export { CollabKitError } from './types.js';
export { Store } from './stores.js';
export type { Stores, StoreEvents, StoreRecord } from './stores.js';
export { defineStores, applyStoreSchema, STORE_NAME_PATTERN } from './schema.js';
export type {
  ApplyStoreSchemaOptions,
  FieldSpec,
  FieldType,
  FieldTypeValues,
  StoreChange,
  StoreEntry,
  StoreInput,
  StoreSchema,
  StoreSchemas,
  StoreUpdate,
  StoreValue,
} from './schema.js';
export type {
  BroadcastMeta,
  CollabKitClientOptions,
  CollabKitRoomData,
  CollabKitUserData,
  JsonObject,
  PresenceEvent,
  PresenceState,
  ReconnectOptions,
  SocketEvents,
  WebSocketConstructor,
  WebSocketLike,
} from './types.js';
export default CollabKitClient;
