// Minimal softphone login page (issue #6 turns it into the full phone). Uses only the public
// API of the script-tag build, exactly as a user's page would. All text is set with textContent.
(function () {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const saved = JSON.parse(localStorage.getItem('voxline-demo') || '{}');
  $('server').value = params.get('server') || saved.server || 'ws://127.0.0.1:5066';
  $('user').value = saved.user || '';
  let client = null;

  function badge(text, cls) {
    $('badge').textContent = text;
    $('badge').className = `badge ${cls}`;
  }
  function timeline(text) {
    const li = document.createElement('li');
    li.textContent = `${new Date().toLocaleTimeString()} — ${text}`;
    $('timeline').prepend(li);
    while ($('timeline').children.length > 20) $('timeline').lastChild.remove();
  }

  $('login').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('error').textContent = '';
    const server = $('server').value.trim();
    const user = $('user').value.trim();
    localStorage.setItem('voxline-demo', JSON.stringify({ server, user }));
    $('login-button').disabled = true;
    try {
      client = new Voxline.Client({ servers: [server], domain: 'voxline.test' });
      client.on('connectionchange', (e) => {
        timeline(`${e.state}${e.reason ? ` (${e.reason})` : ''}${e.downtimeMs !== undefined ? `, down ${e.downtimeMs} ms` : ''}`);
        badge(e.state === 'disconnected' ? `Disconnected: ${e.reason}` : 'Connected', e.state === 'disconnected' ? 'disconnected' : 'connected');
      });
      await client.login(user, $('password').value);
      $('who').textContent = `${user}@voxline.test`;
      $('login').hidden = true;
      $('session').hidden = false;
      badge('Registered', 'connected');
    } catch (err) {
      $('error').textContent = `${err.name}: ${err.message}`;
      if (client) client.destroy();
      client = null;
    } finally {
      $('login-button').disabled = false;
    }
  });

  $('logout').addEventListener('click', async () => {
    if (!client) return;
    await client.logout();
    client.destroy();
    client = null;
    $('session').hidden = true;
    $('login').hidden = false;
    badge('Not connected', 'idle');
  });
})();
