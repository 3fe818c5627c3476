"""Stream access tokens handed out by ApplyForStreamAccessToken, each with its expiry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace

from tui.emulator.aliyun.clock import Clock


@dataclass(frozen=True)
class StreamGrant:
    """What one ApplyForStreamAccessToken call returned; the token and secret are credentials."""

    access_token: str = field(repr=False)
    channel_id: str
    stream_secret: str = field(repr=False)
    agent_key: str | None
    expires_at: float


class TokenStore:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._grants: dict[str, StreamGrant] = {}

    def issue(self, agent_key: str | None, ttl: float) -> StreamGrant:
        grant = StreamGrant(access_token=uuid.uuid4().hex, channel_id=str(uuid.uuid4()),
                            stream_secret=str(uuid.uuid4()), agent_key=agent_key,
                            expires_at=self._clock.now() + ttl)
        self._grants[grant.access_token] = grant
        return grant

    def find(self, access_token: str) -> StreamGrant | None:
        return self._grants.get(access_token)

    def is_expired(self, grant: StreamGrant) -> bool:
        # `>=` so that a TTL of 0 yields tokens that are already dead when first used.
        return self._clock.now() >= grant.expires_at

    def revoke_all(self) -> None:
        now = self._clock.now()
        self._grants = {token: replace(grant, expires_at=min(grant.expires_at, now))
                        for token, grant in self._grants.items()}

    def issued(self) -> list[StreamGrant]:
        return list(self._grants.values())
