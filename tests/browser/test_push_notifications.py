"""A guardian on a phone turns notifications on, a push from the portal arrives, and tapping it opens the page.

What is real and what is not (headless Chromium has no push service: ``pushManager.subscribe`` fails there with
"Registration failed - permission denied", and a real one would be Google's, outside this machine):

* real: the service worker registering at the site root from the portal's page; the account page's button, the
  browser's notification permission, the subscription sent to the portal with its CSRF token and stored; the
  portal's job encrypting the message and signing it with VAPID; the local push service (tests/push_endpoint.py)
  decrypting and verifying it; the service worker showing the decrypted payload as a notification
  (``registration.getNotifications()`` reads it back); the page the notification leads to opening.
* stood in for: ``PushManager.subscribe`` returns a subscription on the local push service (the browser's own
  boundary, the one thing we cannot run); the push event itself, since a script cannot make a trusted
  ``PushEvent``: the test calls the worker's ``portalPush.show`` with the payload, which is all the ``push``
  handler does; and the tap, since Chromium opens a window only from a real click on a notification: the test
  calls ``portalPush.open`` with the shown notification and records the window it asks ``clients.openWindow``
  for, then opens that URL in the page.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from school_portal.core import push
from school_portal.core.models import PushSubscription, Student, User
from tests.push_endpoint import PushEndpoint

from .harness import PHONE, Portal, axe_check, sign_in, watch_console

pytestmark = pytest.mark.browser

STAND_IN_PUSH_MANAGER = """
(() => {
  if (!self.PushManager) return;
  const subscription = %s;
  const make = () => ({
    endpoint: subscription.endpoint,
    toJSON: () => subscription,
    unsubscribe: async () => { localStorage.removeItem("stand-in-push"); return true; },
  });
  PushManager.prototype.subscribe = async function () { localStorage.setItem("stand-in-push", "1"); return make(); };
  PushManager.prototype.getSubscription = async function () {
    return localStorage.getItem("stand-in-push") ? make() : null;
  };
})();
"""


@pytest.fixture
def endpoint():
    service = PushEndpoint(expected_key=push.vapid_public_key()).start()
    yield service
    service.stop()


def test_a_guardian_turns_notifications_on_and_a_push_opens_the_childs_page(
    portal: Portal, new_context, endpoint
) -> None:
    PushSubscription.objects.all().delete()  # seed_demo's phones (on the demo's push service) are not this test's
    context = new_context(**PHONE)
    context.grant_permissions(["notifications"], origin=portal.url)
    context.add_init_script(STAND_IN_PUSH_MANAGER % json.dumps(endpoint.subscription("yamada-phone")))
    page = watch_console(context.new_page())
    sign_in(page, portal, "guardian-yamada")
    page.goto(f"{portal.url}{reverse('core:account')}")
    assert page.evaluate("navigator.serviceWorker.ready.then((r) => r.active.scriptURL)").endswith("/service-worker.js")
    axe_check(page)

    page.get_by_role("button", name="この端末で通知をオンにする").click()
    expect(page.locator("[data-push-status]")).to_have_text("この端末で通知を受け取ります。")
    expect(page.get_by_role("button", name="この端末で通知をオフにする")).to_be_visible()
    guardian = User.objects.get(username="guardian-yamada")
    assert PushSubscription.objects.get().user == guardian
    axe_check(page)

    # The school sends; the local push service decrypts what arrives and checks the portal's signature.
    child = Student.objects.filter(guardian_links__guardian__user=guardian).order_by("pk").first()
    child_url = reverse("core:student_detail", args=[child.pk])
    push.push_start(
        users=[guardian],
        title="運動会は延期します",
        body="雨のため明日に延期します。",
        url=child_url,
        emergency=True,
        by=User.objects.filter(is_superuser=True).first() or guardian,
    )
    assert endpoint.errors == []
    (payload,) = endpoint.messages_for("yamada-phone")

    (worker,) = context.service_workers
    worker.evaluate("(payload) => self.portalPush.show(JSON.stringify(payload))", payload)
    shown = worker.evaluate(
        "async () => (await self.registration.getNotifications()).map((n) => [n.title, n.body, n.data.url])"
    )
    assert shown == [["運動会は延期します", "雨のため明日に延期します。", child_url]]
    # The same message again (a worker lost mid-way sent it twice): still one notification.
    worker.evaluate("(payload) => self.portalPush.show(JSON.stringify(payload))", payload)
    assert worker.evaluate("async () => (await self.registration.getNotifications()).length") == 1

    opened = worker.evaluate(
        """async () => {
          const asked = [];
          self.clients.openWindow = async (url) => { asked.push(url); return null; };
          const [notification] = await self.registration.getNotifications();
          await self.portalPush.open(notification);
          return asked;
        }"""
    )
    assert opened == [f"{portal.url}{child_url}"]
    page.goto(opened[0])
    expect(page.locator("main")).to_contain_text(child.given_name)
    axe_check(page)

    page.goto(f"{portal.url}{reverse('core:account')}")
    page.get_by_role("button", name="この端末で通知をオフにする").click()
    expect(page.locator("[data-push-status]")).to_have_text("この端末では通知を受け取りません。")
    assert not PushSubscription.objects.exists()
