"""Alibaba Cloud: the Tongyi chatbot (智能对话机器人 通义版) over its SSE stream API."""

from tui.backends.aliyun.provider import TongyiProvider

__all__ = ["TongyiProvider"]
