// Compiled, not run (`npm run typecheck`): the public surface as apps use it, from the built
// declarations, in the shapes of the public CollabKit documentation and of the one public app
// on the real SDK (a whiteboard: presence with `state.color`, follow mode, online users).
import CollabKitClient, {
  CollabKitError,
  defineStores,
  type StoreChange,
  type StoreValue,
  type CollabKitUser,
  type PresenceEvent,
  type PresenceState,
  type RoomWithUsers,
} from '../dist/index.js';

export async function whiteboard(serverUrl: string, token: string, WebSocket?: typeof globalThis.WebSocket): Promise<void> {
  const client = new CollabKitClient({
    serverUrl,
    authToken: token,
    stores: {},
    reconnect: { maxAttempts: 10, initialDelayMs: 250, maxDelayMs: 10_000 },
    WebSocket,
  });
  client.socket.on('connected', () => {});
  client.socket.on('disconnected', ({ code }: { code: number }) => void code);
  client.socket.on('reconnecting', ({ attempt }) => console.log(attempt.toFixed()));
  client.socket.on('reconnected', () => {});
  client.socket.on('failed', () => {});
  client.socket.on('authFailed', (e) => console.log(e.code));
  await client.connect();
  await client.join();
  const me: string = client.currentUser?.id || client.userId || '';
  const room = client.currentRoom;
  console.log(room?.active_participants, room?.duration_seconds, room?.state);
  const other: RoomWithUsers = await client.room.get({ roomId: 'room_x' });
  console.log(other.room.name, other.users[0]?.profile_picture);

  for (const [id, user] of client.users.online) console.log(id, user.name, user.profile_picture, user.status);
  const unsubscribe: () => void = client.users.on('userJoined', (u: CollabKitUser) => console.log(u.joined_at));
  unsubscribe();
  client.users.on('userLeft', (user: { id: string }) => console.log(user.id));
  for (const e of ['userCreated', 'userUpdated', 'userDeleted'] as const) client.users.on(e, (u) => console.log(u.name));
  const one: CollabKitUser = await client.users.get({ userId: 'usr_b' });
  const all: CollabKitUser[] = await client.users.getAll();
  console.log(one.following, all.length);

  client.presence.update({ cursor: { x: 1, y: 2, state: 'idle' }, screen: { width: 1, height: 1 }, meta: { camera: {} } });
  client.presence.update(null);
  const off = client.presence.sync('*', ({ userId, state }: PresenceEvent) => {
    if (userId === me) return;
    if (state === null) return; // left or cleared
    const color: string = state.color;
    console.log(color, state.cursor);
  });
  off();
  client.presence.sync('following', ({ state }) => console.log(state?.meta));
  client.presence.sync('usr_b', () => {});
  client.presence.unsync();
  const states: Map<string, PresenceState> = client.presence.getStates();
  console.log(states.size);

  await client.users.all.get('usr_b')?.follow();
  const followed = [...client.users.all.values()].find((u) => u.followers.includes(client.userId ?? ''));
  await followed?.unfollow();

  client.notifications.broadcast('emoji', { emoji: '🎉', x: 1, y: 2 });
  client.notifications.broadcast('ping', {}, ['usr_b']);
  const stop: () => void = client.notifications.on('emoji', (data, meta) => console.log(data, meta.userId, meta.event));
  stop();
  client.notifications.once('ping', () => {});
  client.notifications.off('ping');

  try {
    await client.join();
  } catch (e) {
    if (e instanceof CollabKitError) console.log(e.code, e.message);
  }
  client.disconnect();
}

export function misuse(): void {
  const client = new CollabKitClient({ serverUrl: 'x', authToken: 'y' });
  // @ts-expect-error: sync takes a callback
  client.presence.sync('*');
  // @ts-expect-error: not a socket event
  client.socket.on('open', () => {});
  // @ts-expect-error: no such users event
  client.users.on('joined', () => {});
}

const stores = defineStores({
  tasks: { title: { type: 'string', required: true }, completed: { type: 'boolean', default: false }, due: { type: 'number' } },
});
type Task = StoreValue<typeof stores.tasks>;

export async function todo(serverUrl: string, token: string): Promise<void> {
  const client = new CollabKitClient({ serverUrl, authToken: token, stores });
  await client.connect();
  await client.join();
  const tasks = client.stores.tasks;
  const stored: Task = await tasks.set({ key: 't1', value: { title: 'Ship' } });
  const done: boolean = stored.completed;
  await tasks.update({ key: 't1', value: { completed: true, due: null } });
  await tasks.delete({ key: 't1' });
  const one: Task | null = await tasks.get({ key: 't1' });
  console.log(done, one?.title, one?.due);
  const loaded: Record<string, Task> = await tasks.sync();
  // Synced: getAll() answers at once (and await works as well).
  const now = tasks.getAll();
  const all: Record<string, Task> = await tasks.getAll();
  for (const task of Object.values(now)) console.log(task.title);
  console.log(loaded, all, tasks.version, tasks.synced);
  const off: () => void = tasks.on('changed', ({ key, action, value }: StoreChange<typeof stores.tasks>) => {
    const a: 'set' | 'update' | 'delete' = action;
    console.log(key, a, value?.title);
  });
  off();
  try {
    await tasks.update({ key: 'x', value: { title: 'y' } });
  } catch (e) {
    if (e instanceof CollabKitError && e.code === 'entry_not_found') console.log(e.message);
  }
}

export function storesMisuse(client: CollabKitClient<typeof stores>): void {
  // @ts-expect-error: title is required
  void client.stores.tasks.set({ key: 'a', value: { completed: true } });
  // @ts-expect-error: completed is a boolean
  void client.stores.tasks.update({ key: 'a', value: { completed: 'yes' } });
  // @ts-expect-error: a required field without a default cannot be reset
  void client.stores.tasks.update({ key: 'a', value: { title: null } });
  // @ts-expect-error: no such store
  void client.stores.notes;
}
