// The capture page: photo -> upload with progress -> the result -> Accept / Retake / correct the heels.
// Heel points are photo pixels as displayed; a tap is mapped through the image's on-screen box.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("capture");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const state = { uploadId: null, size: null, points: { left: null, right: null }, sent: {}, correcting: false };

  function show(section) {
    for (const id of ["take", "progress", "result"]) $(id).hidden = id !== section;
  }

  // XMLHttpRequest, not fetch: fetch cannot report upload progress.
  function post(url, form, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("X-CSRF-Token", legcheck.csrf());
      xhr.responseType = "json";
      if (onProgress) xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
      xhr.onload = () => {
        const data = xhr.response;
        if (xhr.status >= 200 && xhr.status < 300) resolve(data);
        else {
          const err = new Error((data && data.error && data.error.message) || ("the server answered " + xhr.status));
          err.data = data;
          reject(err);
        }
      };
      xhr.onerror = () => reject(new Error("the upload failed: is the phone still on the clinic's network?"));
      xhr.send(form);
    });
  }

  function fields(extra) {
    const form = new FormData();
    form.append("csrf_token", legcheck.csrf());
    for (const [k, v] of Object.entries(extra)) if (v !== null && v !== undefined && v !== "") form.append(k, v);
    return form;
  }

  async function measure(form, uploading) {
    legcheck.showError("");
    show("progress");
    $("bar").value = 0;
    $("progress-text").textContent = uploading ? "Uploading…" : "Measuring…";
    try {
      const result = await post("/api/measure", form, (f) => {
        $("bar").value = Math.round(100 * f);
        if (f >= 1) $("progress-text").textContent = "Measuring…";
      });
      showResult(result);
    } catch (e) {
      legcheck.showError(e.message);
      if (e.data && e.data.upload_id) {   // the photo is kept: the heels can be placed by hand
        state.uploadId = e.data.upload_id;
        showPhotoOnly(e.data.photo_url);
      } else {
        show("take");
      }
    }
  }

  function showResult(r) {
    state.uploadId = r.upload_id;
    state.size = [r.image.width, r.image.height];
    $("figure").textContent = r.summary;
    const warnings = $("warnings");
    warnings.replaceChildren(...(r.warnings || []).map((w) => Object.assign(document.createElement("li"), { textContent: w })));
    state.roi = (r.details && r.details.roi_px) || null;
    $("annotated").onload = () => fit();
    $("annotated").src = r.annotated_url + "?t=" + Date.now();
    const heel = (r.details && r.details.heel_px) || {};
    const sent = state.sentPoints || {};
    state.points = { left: heel.left || sent.left || null, right: heel.right || sent.right || null };
    stopCorrecting();
    $("accept").disabled = false;
    show("result");
  }

  function showPhotoOnly(url) {
    state.size = null;
    $("figure").textContent = "Not measured yet: place the heels.";
    $("warnings").replaceChildren();
    const img = $("annotated");
    state.roi = null;
    img.onload = () => { state.size = [img.naturalWidth, img.naturalHeight]; img.onload = null; fit(); };
    img.src = url;
    $("accept").disabled = true;
    show("result");
    startCorrecting();
  }

  // Show the board and heels (the measurement's region), not the whole frame: on a phone the heels
  // are then large enough to tap. The crop is made with margins (percentages of the width), so it
  // stays put however the page is laid out. Exact points zoom in three times more and scroll.
  function fit() {
    const wrap = $("photo-wrap"), inner = $("photo-inner");
    const roi = state.roi && state.size ? state.roi : null;
    const exact = $("exact").checked;
    const k = roi ? state.size[0] / Math.max(roi[2] - roi[0], 1) : 1;
    inner.style.width = (100 * k * (exact ? 3 : 1)) + "%";
    wrap.classList.toggle("cropped", Boolean(roi) && !exact);
    if (roi && !exact) {
      inner.style.marginLeft = (-100 * k * roi[0] / state.size[0]) + "%";
      inner.style.marginTop = (-100 * k * roi[1] / state.size[0]) + "%";
      wrap.style.aspectRatio = (roi[2] - roi[0]) + " / " + (roi[3] - roi[1]);
    } else {
      inner.style.marginLeft = inner.style.marginTop = "0";
      wrap.style.aspectRatio = "auto";
      if (roi) {
        wrap.scrollLeft = roi[0] / state.size[0] * inner.clientWidth;
        wrap.scrollTop = roi[1] / state.size[1] * inner.clientHeight;
      }
    }
  }

  function placeMarks() {
    for (const side of ["left", "right"]) {
      const mark = $("mark-" + side), p = state.points[side];
      mark.hidden = !(state.correcting && p && state.size);
      if (!mark.hidden) {
        mark.style.left = (100 * p[0] / state.size[0]) + "%";
        mark.style.top = (100 * p[1] / state.size[1]) + "%";
      }
    }
    $("remeasure").disabled = !(state.points.left && state.points.right);
  }

  function startCorrecting() {
    state.correcting = true;
    $("correcting").hidden = false;
    $("actions").hidden = true;
    fit();
    placeMarks();
  }

  function stopCorrecting() {
    state.correcting = false;
    $("correcting").hidden = true;
    $("actions").hidden = false;
    $("exact").checked = false;
    fit();
    placeMarks();
  }

  $("annotated").addEventListener("click", (ev) => {
    if (!state.correcting || !state.size) return;
    const box = ev.target.getBoundingClientRect();
    const p = [(ev.clientX - box.left) * state.size[0] / box.width, (ev.clientY - box.top) * state.size[1] / box.height];
    const which = document.querySelector('input[name="which"]:checked').value;
    state.points[which] = [Math.round(p[0] * 10) / 10, Math.round(p[1] * 10) / 10];
    if (which === "left") document.querySelector('input[name="which"][value="right"]').checked = true;
    placeMarks();
  });

  $("exact").addEventListener("change", (ev) => {
    fit();
    $("correct-help").textContent = ev.target.checked
      ? "Zoomed in: scroll to each heel and tap exactly on its edge (left, then right)."
      : "Tap near the LEFT heel, then near the RIGHT heel. legcheck finds each heel's edge near your tap.";
  });

  $("photo").addEventListener("change", () => {
    const file = $("photo").files[0];
    if (!file) return;
    state.sent = {};
    state.sentPoints = null;
    measure(fields({ photo: file }), true);
  });

  function pointFields() {
    const exact = $("exact").checked, f = (p) => p[0] + "," + p[1];
    const l = state.points.left, r = state.points.right;
    return exact ? { left_heel: f(l), right_heel: f(r) } : { near_left: f(l), near_right: f(r) };
  }

  $("remeasure").addEventListener("click", () => {
    state.sent = pointFields();
    state.sentPoints = { left: state.points.left, right: state.points.right };
    measure(fields({ upload_id: state.uploadId, ...state.sent }), false);
  });

  $("correct").addEventListener("click", startCorrecting);
  $("cancel-correct").addEventListener("click", stopCorrecting);

  $("retake").addEventListener("click", () => {
    $("photo").value = "";
    state.uploadId = null;
    state.sent = {};
    legcheck.showError("");
    show("take");
  });

  $("accept").addEventListener("click", async () => {
    $("accept").disabled = true;
    $("figure").textContent += " — recording…";
    try {
      const out = await post("/api/checks", fields({ upload_id: state.uploadId, chart: root.dataset.chart,
        phase: root.dataset.phase, position: root.dataset.position, visit_id: root.dataset.visit, ...state.sent }));
      location.href = out.visit_url;
    } catch (e) {
      legcheck.showError(e.message);
      $("accept").disabled = false;
    }
  });
});
