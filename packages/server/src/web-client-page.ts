/** Where Debian's `spice-html5` package installs the web client. */
export const DEFAULT_WEB_CLIENT_DIR = '/usr/share/spice-html5';

/**
 * Our page that loads spice-html5 (from the same server) and connects back to the host and port it
 * came from, over ws:// or wss:// as the page itself; `?password=...` in the address is passed on.
 */
/** `mainModule`: where spice-html5's main.js is, relative to the page. */
export function webClientPage(title: string, mainModule = './main.js'): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="spice.css">
<style>body{margin:0;background:#222;color:#ddd;font:14px sans-serif}#status{padding:4px 8px}</style>
</head>
<body>
<div id="status">connecting…</div>
<div id="spice-area"><div id="spice-screen" class="spice-screen"></div></div>
<script type="module">
import * as SpiceHtml5 from '${mainModule}';
const status = document.getElementById('status');
const params = new URLSearchParams(location.search);
const uri = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host;
let conn = null;
const fail = (e) => {
  status.textContent = 'error: ' + (e && e.message ? e.message : String(e));
  if (conn) conn.stop();
};
try {
  conn = new SpiceHtml5.SpiceMainConn({
    uri,
    screen_id: 'spice-screen',
    // spice-html5 sends the ticket even without a password: an empty one, as its own pages do.
    password: params.get('password') ?? '',
    onerror: fail,
    onsuccess: () => { status.textContent = 'connected to ' + location.host; },
    onagent: (sc) => {
      // With a guest agent, the guest's screen follows the window (spice-html5's resize helpers).
      window.spice_connection = sc;
      SpiceHtml5.resize_helper(sc);
      window.addEventListener('resize', SpiceHtml5.handle_resize);
    },
  });
} catch (e) {
  fail(e);
}
</script>
</body>
</html>
`;
}

/** The page shown at `/` when no web client is installed. */
export function noWebClientPage(dir: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>spice-ts: no web client installed</title></head>
<body style="font:16px sans-serif;max-width:40em;margin:2em auto">
<h1>No web client installed</h1>
<p>This SPICE server can serve the spice-html5 web client, but it was not found in
<code>${escapeHtml(dir)}</code>.</p>
<p>On Debian or Ubuntu, install it with:</p>
<pre>sudo apt-get install spice-html5</pre>
<p>then reload this page. Native clients work without it: <code>remote-viewer spice://HOST:PORT</code>.</p>
</body>
</html>
`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
