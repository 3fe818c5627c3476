"""Any OpenAI-compatible chat server: Qiniu's, a local llama.cpp / vLLM / Ollama, a gateway."""

from tui.backends.openai.endpoint import Endpoint
from tui.backends.openai.provider import OpenAIProvider

__all__ = ["Endpoint", "OpenAIProvider"]
