import { describe, expect, it } from 'vitest';
import { AuthenticationError, CancelledError, ConfigurationError, ConnectionError, InvalidStateError, LimitError, MediaError, SipError, TimeoutError, VoxlineError } from './errors';

describe('error catalogue', () => {
  it.each([
    [new ConfigurationError('servers', 'must not be empty'), 'ConfigurationError', 'configuration', 'Invalid option "servers": must not be empty'],
    [new InvalidStateError('call() called before login()'), 'InvalidStateError', 'invalid-state', 'call() called before login()'],
    [new ConnectionError('no server', 'ws://x'), 'ConnectionError', 'connection', 'no server'],
    [new AuthenticationError('refused', 403), 'AuthenticationError', 'authentication', 'refused'],
    [new TimeoutError('slow', 30000), 'TimeoutError', 'timeout', 'slow'],
    [new SipError(404, 'Not Found'), 'SipError', 'sip', 'SIP 404 Not Found'],
    [new MediaError('microphone permission was denied'), 'MediaError', 'media', 'microphone permission was denied'],
    [new CancelledError('login() was cancelled by logout()'), 'CancelledError', 'cancelled', 'login() was cancelled by logout()'],
    [new LimitError('the outbox is full', 1000), 'LimitError', 'limit', 'the outbox is full'],
  ])('%s has its name, stable code and message, and is a VoxlineError and an Error', (err, name, code, message) => {
    expect(err).toBeInstanceOf(VoxlineError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe(name);
    expect(err.code).toBe(code);
    expect(err.message).toBe(message);
  });

  it('carries details: key, server, status, timeout, cause', () => {
    const cause = new Error('root');
    expect(new ConfigurationError('servers[1]', 'bad', { cause })).toMatchObject({ key: 'servers[1]', cause });
    expect(new ConnectionError('x', 'wss://a')).toMatchObject({ server: 'wss://a' });
    expect(new AuthenticationError('x', 401)).toMatchObject({ status: 401 });
    expect(new TimeoutError('x', 500)).toMatchObject({ timeoutMs: 500 });
    expect(new SipError(503, 'Service Unavailable')).toMatchObject({ status: 503, reason: 'Service Unavailable' });
    expect(new LimitError('x', 1000)).toMatchObject({ limit: 1000 });
  });
});
