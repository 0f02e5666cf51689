/* The portal's service worker (served at /service-worker.js, scope "/"): shows a push as a notification and
   opens its page when tapped. Nothing is cached here: the portal is read online.

   The handlers call small functions kept on `self.portalPush`, so a test can run the same code with a payload
   when the browser has no push service to deliver one (headless Chromium). */
"use strict";

const portalPush = {
  // A push the portal sent (school_portal/core/push.py payload_of): {id, title, body, url, tag, emergency}.
  show(payload) {
    let data = {};
    try {
      data = typeof payload === "string" ? JSON.parse(payload) : (payload || {});
    } catch (error) {
      data = {title: String(payload || "")};
    }
    const url = typeof data.url === "string" && data.url.startsWith("/") && !data.url.startsWith("//") ? data.url : "/";
    // The same tag replaces the same message: a push sent twice (a worker lost mid-way) shows once.
    return self.registration.showNotification(data.title || "", {
      body: data.body || "",
      tag: data.tag || "portal",
      renotify: false,
      requireInteraction: Boolean(data.emergency),
      icon: "/static/core/icons/icon-192.png",
      badge: "/static/core/icons/icon-192.png",
      data: {url},
    });
  },
  // Tapping: focus a window already on that page, else open it (only the portal's own pages).
  async open(notification) {
    notification.close();
    const target = new URL((notification.data && notification.data.url) || "/", self.location.origin);
    if (target.origin !== self.location.origin) {
      return null;
    }
    const windows = await self.clients.matchAll({type: "window", includeUncontrolled: true});
    for (const client of windows) {
      if (client.url === target.href && "focus" in client) {
        return client.focus();
      }
    }
    return self.clients.openWindow(target.href);
  },
};
self.portalPush = portalPush;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("push", (event) => {
  event.waitUntil(portalPush.show(event.data ? event.data.text() : ""));
});
self.addEventListener("notificationclick", (event) => {
  event.waitUntil(portalPush.open(event.notification));
});
