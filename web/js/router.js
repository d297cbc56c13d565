// The hash router's entry point for views: `navigate(path)` goes to a page of the app. app.js
// mounts the view of the current hash on every `hashchange`; navigating to the page already shown
// mounts it again.

/** @param {string} path e.g. "/play", "/room/<lobby id>" */
export function navigate(path) {
  if (location.hash !== `#${path}`) location.hash = path;
  else dispatchEvent(new HashChangeEvent("hashchange"));
}
