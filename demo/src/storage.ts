/**
 * What the demo remembers in localStorage: the login form (never the password unless the user
 * asked), audio preferences, and recent calls per user. Corrupt or missing entries read as empty.
 */

export interface SavedLogin {
  server?: string;
  user?: string;
  displayName?: string;
  domain?: string;
  /** Only present when `rememberPassword` was ticked. */
  password?: string;
  rememberPassword?: boolean;
}

export interface AudioPreferences {
  microphoneId?: string;
  speakerId?: string;
  dtmfMethod?: 'info' | 'auto';
}

export interface RecentCall {
  remote: string;
  direction: 'incoming' | 'outgoing';
  /** `answered`, `missed`, `busy`, … (an end reason, or `answered` with a duration). */
  outcome: string;
  at: number;
  durationMs?: number;
}

const LOGIN_KEY = 'voxline-demo:login';
const AUDIO_KEY = 'voxline-demo:audio';
const RECENTS_KEY = 'voxline-demo:recents:';

function read<T extends object>(key: string): T {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(key) ?? '{}');
    return (typeof value === 'object' && value !== null ? value : {}) as T;
  } catch {
    return {} as T;
  }
}

function write(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled (private mode): remembering is a convenience, not a requirement.
  }
}

export const storage = {
  loadLogin: (): SavedLogin => read<SavedLogin>(LOGIN_KEY),
  saveLogin(login: SavedLogin): void {
    const { password, ...rest } = login;
    write(LOGIN_KEY, login.rememberPassword && password ? { ...rest, password } : rest);
  },
  loadAudio: (): AudioPreferences => read<AudioPreferences>(AUDIO_KEY),
  saveAudio: (prefs: AudioPreferences): void => write(AUDIO_KEY, prefs),
  loadRecents(user: string): RecentCall[] {
    const list = read<{ calls?: RecentCall[] }>(RECENTS_KEY + user).calls;
    return Array.isArray(list) ? list.filter((c) => typeof c?.remote === 'string' && typeof c.at === 'number') : [];
  },
  saveRecents: (user: string, calls: RecentCall[]): void => write(RECENTS_KEY + user, { calls }),
};
