"""The emulator's out-of-the-box credentials, and the settings that point aichat-tui at it.

Kept apart from the server so that `--demo` can point the app at an emulator running in a
process of its own without importing the server (aiohttp) itself.
"""

from __future__ import annotations

from typing import NamedTuple


class DemoCredentials(NamedTuple):
    """The credentials the emulator accepts out of the box (used by --demo and the tests)."""

    access_key_id: str = "demo-access-key-id"
    access_key_secret: str = "demo-access-key-secret"
    agent_key: str = "demo_agent_key"
    instance_id: str = "chatbot-cn-demo"
    qiniu_api_key: str = "sk-demo-qiniu-key"
    tencent_app_id: str = "1000001"
    tencent_app_key: str = "demo0tencent0app0key0a95eceb1ac8"


DEMO = DemoCredentials()


def client_env(base_url: str) -> dict[str, str]:
    """Environment variables that point aichat-tui at the emulator at `base_url` with the demo
    keys."""
    return {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DEMO.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEMO.access_key_secret,
        "AICHAT_TONGYI_AGENT_KEY": DEMO.agent_key,
        "AICHAT_TONGYI_INSTANCE_ID": DEMO.instance_id,
        "AICHAT_TONGYI_ENDPOINT": base_url,
        "AICHAT_TONGYI_STREAM_URL": f"{base_url}/sse/paas4Json",
        "AICHAT_QINIU_API_KEY": DEMO.qiniu_api_key,
        "AICHAT_QINIU_BASE_URL": f"{base_url}/v1",
        "AICHAT_TENCENT_APP_ID": DEMO.tencent_app_id,
        "AICHAT_TENCENT_APP_KEY": DEMO.tencent_app_key,
        "AICHAT_TENCENT_BASE_URL": f"{base_url}/fcgi-bin",
        "AICHAT_OPENAI_BASE_URL": f"{base_url}/local/v1",
        "AICHAT_OPENAI_MODEL": "llama3.1:8b",
    }
