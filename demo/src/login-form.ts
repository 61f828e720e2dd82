/**
 * The sign-in form. Prefills from `?server=` / `?domain=` / `?user=` and from what was saved
 * last time; saves everything but the password unless "Remember password" is ticked.
 */
import { byId } from './dom';
import { describeError } from './sdk';
import { storage } from './storage';

export interface Credentials {
  server: string;
  user: string;
  password: string;
  displayName: string;
  domain: string;
}

export class LoginForm {
  private readonly screen = byId('login-screen');
  private readonly form = byId<HTMLFormElement>('login-form');
  private readonly server = byId<HTMLInputElement>('server');
  private readonly user = byId<HTMLInputElement>('user');
  private readonly password = byId<HTMLInputElement>('password');
  private readonly displayName = byId<HTMLInputElement>('display-name');
  private readonly domain = byId<HTMLInputElement>('domain');
  private readonly remember = byId<HTMLInputElement>('remember-password');
  private readonly error = byId('login-error');
  private readonly submit = byId<HTMLButtonElement>('sign-in');

  constructor(onSubmit: (credentials: Credentials) => Promise<void>) {
    const params = new URLSearchParams(location.search);
    const saved = storage.loadLogin();
    this.server.value = params.get('server') ?? saved.server ?? '';
    this.domain.value = params.get('domain') ?? saved.domain ?? '';
    this.user.value = params.get('user') ?? saved.user ?? '';
    this.displayName.value = saved.displayName ?? '';
    this.remember.checked = saved.rememberPassword === true;
    if (saved.rememberPassword && saved.password) this.password.value = saved.password;

    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.run(onSubmit);
    });
    this.remember.addEventListener('change', () => {
      if (!this.remember.checked) storage.saveLogin({ ...storage.loadLogin(), rememberPassword: false });
    });
  }

  show(): void {
    this.screen.hidden = false;
    this.submit.disabled = false;
    (this.user.value ? this.password : this.user).focus();
  }

  hide(): void {
    this.screen.hidden = true;
  }

  private async run(onSubmit: (credentials: Credentials) => Promise<void>): Promise<void> {
    const credentials: Credentials = {
      server: this.server.value.trim(),
      user: this.user.value.trim(),
      password: this.password.value,
      displayName: this.displayName.value.trim(),
      domain: this.domain.value.trim(),
    };
    if (!credentials.server || !credentials.user) {
      this.error.textContent = !credentials.server ? 'Enter the server URL, e.g. wss://sip.example.com.' : 'Enter your user name.';
      (credentials.server ? this.user : this.server).focus();
      return;
    }
    this.error.textContent = '';
    this.submit.disabled = true;
    this.submit.dataset.busy = 'true';
    try {
      await onSubmit(credentials);
      storage.saveLogin({ ...credentials, rememberPassword: this.remember.checked });
      if (!this.remember.checked) this.password.value = '';
    } catch (err) {
      this.error.textContent = describeError(err);
      this.password.select();
    } finally {
      this.submit.disabled = false;
      delete this.submit.dataset.busy;
    }
  }
}
