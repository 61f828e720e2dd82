/**
 * The sign-in form. Prefills from `?server=` / `?domain=` / `?user=` and from what was saved
 * last time; saves everything but the password unless "Remember password" is ticked. Its second
 * button, "Test my setup", checks the same values without signing in.
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

export interface LoginActions {
  /** Signs in; rejects with the reason shown under the form. */
  signIn(credentials: Credentials): Promise<void>;
  /** Runs the setup check with the form's values (it shows its own report). */
  test(credentials: Credentials): Promise<void>;
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
  private readonly note = byId('login-note');
  private readonly submit = byId<HTMLButtonElement>('sign-in');
  private readonly testButton = byId<HTMLButtonElement>('test-setup');
  private busy = false;

  constructor(private readonly actions: LoginActions) {
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
      void this.run(this.submit, async (credentials) => {
        await this.actions.signIn(credentials);
        storage.saveLogin({ ...credentials, rememberPassword: this.remember.checked });
        if (!this.remember.checked) this.password.value = '';
      });
    });
    this.testButton.addEventListener('click', () => void this.run(this.testButton, (credentials) => this.actions.test(credentials)));
    this.remember.addEventListener('change', () => {
      if (!this.remember.checked) storage.saveLogin({ ...storage.loadLogin(), rememberPassword: false });
    });
  }

  /** Shows the form; `note` says why it is back (e.g. signed out in another tab) until the next attempt. */
  show(note = ''): void {
    this.note.textContent = note;
    this.screen.hidden = false;
    this.submit.disabled = this.testButton.disabled = false;
    (this.user.value ? this.password : this.user).focus();
  }

  hide(): void {
    this.screen.hidden = true;
  }

  /**
   * Checks the form, then runs `action` with `button` busy and the other one disabled. The busy
   * button keeps the keyboard focus (aria-disabled, not disabled); pressing it again does nothing.
   */
  private async run(button: HTMLButtonElement, action: (credentials: Credentials) => Promise<void>): Promise<void> {
    if (this.busy) return;
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
    this.error.textContent = this.note.textContent = '';
    const other = button === this.submit ? this.testButton : this.submit;
    this.busy = true;
    other.disabled = true;
    button.setAttribute('aria-disabled', 'true');
    button.dataset.busy = 'true';
    try {
      await action(credentials);
    } catch (err) {
      this.error.textContent = describeError(err);
      if (button === this.submit) this.password.select();
    } finally {
      this.busy = false;
      other.disabled = false;
      button.removeAttribute('aria-disabled');
      delete button.dataset.busy;
    }
  }
}
