/**
 * The Voxline demo softphone. Signs in with the public `Client`, then runs the phone, the chat,
 * the audio devices and the connection status for that session; signing out tears all of it
 * down. Before signing in, "Test my setup" runs `Voxline.preflight()` with the form's values.
 *
 * Shared mode (`?shared=1`, default {@link SHARED_BY_DEFAULT}): the tabs of this browser share one
 * link and registration through voxline.worker.js (served next to this page); the status panel
 * says across how many tabs, and signing out in one tab signs out all of them (the others show
 * the sign-in form with a note). An incoming call rings in every tab; the tab that answers gets
 * the audio, the others show "Answered in another tab". `?shared=0` gives each tab its own link.
 */
import { Chat } from './chat';
import { ConnectionStatus } from './connection-status';
import { Devices } from './devices';
import { byId, paintAvatar } from './dom';
import { LoginForm, type Credentials } from './login-form';
import { Phone } from './phone';
import { describeError, sdk, type Client } from './sdk';
import { SetupCheck } from './setup-check';
import { Tabs } from './tabs';
import { toast } from './toasts';
import { Tones } from './tones';

/** Shared mode unless the page says `?shared=0`. */
const SHARED_BY_DEFAULT = true;
const sharedParam = new URLSearchParams(location.search).get('shared');
/** The worker script of shared mode (resolved against this page), or `undefined` for a link of this tab's own. */
const sharedWorker = (sharedParam === null ? SHARED_BY_DEFAULT : sharedParam === '1') ? new URL('voxline.worker.js', location.href).href : undefined;

const tones = new Tones();
const status = new ConnectionStatus();
const tabs = new Tabs();
const setupCheck = new SetupCheck();
const app = byId('app');
let signOut: (() => Promise<void>) | null = null;

const login = new LoginForm({ signIn, test: (credentials) => setupCheck.run(credentials) });

async function signIn(credentials: Credentials): Promise<void> {
  tones.unlock();
  const { Client } = sdk();
  const client = new Client({
    servers: [credentials.server],
    domain: credentials.domain || undefined,
    displayName: credentials.displayName || undefined,
    logLevel: 'warn',
    sharedWorker,
  });
  status.attach(client);
  try {
    await client.login(credentials.user, credentials.password);
  } catch (err) {
    client.destroy();
    status.reset();
    throw err;
  }
  setupCheck.hide();
  status.showShared(client);
  signOut = startSession(client, credentials);
}

/** Wires one signed-in session; returns the function that ends it. */
function startSession(client: Client, credentials: Credentials): () => Promise<void> {
  const abort = new AbortController();
  const signal = abort.signal;
  const user = client.user ?? credentials.user;
  const domain = credentials.domain || new URL(credentials.server).hostname;
  const name = credentials.displayName || user;
  paintAvatar(byId('me-avatar'), name);
  byId('me-name').textContent = name;
  byId('me-uri').textContent = `${user}@${domain}`;
  byId('about-server').textContent = client.server;
  byId('about-identity').textContent = `sip:${user}@${domain}`;

  const devices = new Devices({ client, tones, signal });
  const phone = new Phone({ client, user, tones, devices, showPhone: () => tabs.select('phone'), timeline: status, signal });
  const chat = new Chat({
    client,
    domain,
    isOnline: () => status.online,
    isVisible: () => tabs.visible('chat'),
    onUnreadChange: (total) => tabs.setUnread(total),
    onCall: (contact) => {
      tabs.select('phone');
      void phone.dial(contact);
    },
    signal,
  });
  tabs.onChange((tab) => tab === 'chat' && chat.markRead(), signal);
  client.on('error', (err) => {
    toast(describeError(err), 'error', 8000);
    if (err.code === 'authentication') void end();
  });
  // Shared mode: another tab signed out, which signs out every tab.
  client.on('loggedout', () => void end('You were signed out in another tab.'));

  /** Ends the session; `note` (already logged out elsewhere) is shown above the sign-in form. */
  const end = async (note?: string): Promise<void> => {
    if (signal.aborted) return;
    abort.abort();
    signOut = null;
    phone.dispose();
    if (note === undefined) await client.logout().catch(() => undefined);
    client.destroy();
    status.reset();
    tabs.setUnread(0);
    app.hidden = true;
    login.show(note);
  };

  login.hide();
  tabs.select('phone');
  app.hidden = false;
  for (const id of ['destination', 'new-chat-to', 'message-input', 'transfer-target']) byId<HTMLInputElement>(id).value = '';
  byId('destination').focus();
  void devices.refresh();
  return end;
}

byId('sign-out').addEventListener('click', () => void signOut?.());
byId('about-version').textContent = (() => {
  try {
    return sdk().VERSION;
  } catch (err) {
    byId('login-error').textContent = describeError(err);
    return '—';
  }
})();
status.reset();
login.show();
