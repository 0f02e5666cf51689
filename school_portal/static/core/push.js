/* Registers the service worker (a home-screen app) and runs the "notifications on this device" section of the
   account page: subscribe with the portal's VAPID key, send the subscription, or remove it. */
"use strict";

(function () {
  if (!("serviceWorker" in navigator)) {
    return;
  }
  const ready = navigator.serviceWorker.register("/service-worker.js", {scope: "/"});
  const section = document.getElementById("push-device");
  if (!section) {
    return;
  }
  const status = section.querySelector("[data-push-status]");
  const on = section.querySelector("[data-push-subscribe]");
  const off = section.querySelector("[data-push-unsubscribe]");
  const csrf = section.querySelector("input[name=csrfmiddlewaretoken]").value;
  const say = (name) => { status.textContent = section.dataset[name] || ""; };

  function keyBytes(base64url) {
    const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - base64url.length % 4) % 4);
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(answer.error || section.dataset.failed);
    }
    return answer;
  }

  async function show() {
    const registration = await ready;
    const subscription = registration.pushManager ? await registration.pushManager.getSubscription() : null;
    on.hidden = Boolean(subscription);
    off.hidden = !subscription;
    say(subscription ? "on" : "off");
  }

  on.addEventListener("click", async () => {
    on.disabled = true;
    try {
      if ((await Notification.requestPermission()) !== "granted") {
        say("denied");
        return;
      }
      const registration = await ready;
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(section.dataset.key),
      });
      await post(section.dataset.subscribeUrl, {subscription: subscription.toJSON(), device: navigator.userAgent});
      await show();
    } catch (error) {
      status.textContent = error.message || section.dataset.failed;
    } finally {
      on.disabled = false;
    }
  });

  off.addEventListener("click", async () => {
    off.disabled = true;
    try {
      const registration = await ready;
      const subscription = await registration.pushManager.getSubscription();
      if (subscription) {
        await post(section.dataset.unsubscribeUrl, {endpoint: subscription.endpoint});
        await subscription.unsubscribe();
      }
      await show();
    } catch (error) {
      status.textContent = error.message || section.dataset.failed;
    } finally {
      off.disabled = false;
    }
  });

  if (!("PushManager" in window) || !("Notification" in window)) {
    say("unsupported");
    return;
  }
  show().catch(() => say("unsupported"));
})();
