"""The browser tests' demo city is put back from a copy of its rows (tests/demo_snapshot.py), and with it this
process's cache is emptied: only this process's namespace of the shared Redis, never the database the other test
workers' caches and live sockets share (an earlier version flushed it, and WebSocket tests of the other workers
lost their events).

The Redis is the one named by ``REDIS_URL``, else the local one on 127.0.0.1:6379 (database 15).
"""

from __future__ import annotations

import os
import uuid

import pytest
from channels_redis.core import RedisChannelLayer

from school_portal.core.cache import SharedPoolRedisCache
from tests.demo_snapshot import clear_process_cache

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


@pytest.mark.asyncio
async def test_emptying_this_processs_cache_leaves_other_caches_and_live_socket_groups_alone() -> None:
    ours = SharedPoolRedisCache(REDIS_URL, {"KEY_PREFIX": f"test-ours-{uuid.uuid4().hex}"})
    theirs = SharedPoolRedisCache(REDIS_URL, {"KEY_PREFIX": f"test-theirs-{uuid.uuid4().hex}"})
    layer = RedisChannelLayer(hosts=[REDIS_URL], prefix=f"test-layer-{uuid.uuid4().hex}")
    ours.set("lesson-body", "ours", 60)
    theirs.set("lesson-body", "theirs", 60)
    channel = await layer.new_channel()
    await layer.group_add("portal.user.5", channel)

    clear_process_cache(ours)

    assert ours.get("lesson-body") is None
    assert theirs.get("lesson-body") == "theirs"
    await layer.group_send("portal.user.5", {"type": "portal.event", "event": {"message": "still here"}})
    assert (await layer.receive(channel))["event"] == {"message": "still here"}  # the group outlived it
    await layer.group_discard("portal.user.5", channel)
    theirs.delete("lesson-body")
