// legcheck web app: what every page does. No inline script anywhere (the CSP forbids it):
// pages say what to do in data- attributes. Writes send the session's CSRF token.
"use strict";

const legcheck = (() => {
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function showError(message) {
    const box = document.getElementById("error");
    if (!box) { alert(message); return; }
    box.textContent = message;
    box.hidden = !message;
    if (message) box.scrollIntoView({ block: "center" });
  }

  async function api(url, { method = "POST", body = null } = {}) {
    const resp = await fetch(url, { method, body, credentials: "same-origin", headers: { "X-CSRF-Token": csrf() } });
    let data = null;
    if (resp.status !== 204) {
      try { data = await resp.json(); } catch (e) { data = null; }
    }
    if (!resp.ok) {
      if (resp.status === 401 && !url.endsWith("/api/session")) {
        location.href = "/signin?next=" + encodeURIComponent(location.pathname + location.search);
      }
      const err = new Error((data && data.error && data.error.message) || ("the server answered " + resp.status));
      err.data = data;
      err.status = resp.status;
      throw err;
    }
    return data;
  }

  function fill(template, data) {
    return template.replace(/\{(\w+)\}/g, (_, k) => (data && data[k] != null ? encodeURI(String(data[k])) : ""));
  }

  function wireForms() {
    document.querySelectorAll("form[data-api]").forEach((form) => {
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        showError("");
        const button = form.querySelector("button[type=submit]");
        if (button) button.disabled = true;
        try {
          const data = await api(form.dataset.api, { body: new FormData(form) });
          location.href = fill(form.dataset.next || location.pathname, data);
        } catch (e) {
          showError(e.message);
        } finally {
          if (button) button.disabled = false;
        }
      });
    });
  }

  function wireSignin() {
    const form = document.getElementById("signin");
    if (!form) return;
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      showError("");
      try {
        await api("/api/session", { body: new FormData(form) });
        location.href = form.dataset.next || "/patients";
      } catch (e) {
        showError(e.message);
      }
    });
  }

  function wireSignout() {
    const button = document.getElementById("signout");
    if (!button) return;
    button.addEventListener("click", async () => {
      try { await api("/api/session", { method: "DELETE" }); } catch (e) { /* signed out anyway */ }
      location.href = "/signin";
    });
  }

  document.addEventListener("DOMContentLoaded", () => { wireForms(); wireSignin(); wireSignout(); });
  return { api, csrf, showError };
})();
