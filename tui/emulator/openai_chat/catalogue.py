"""The model lists the emulated servers answer `GET /v1/models` with.

Qiniu's ids are those its document and public clients use (qiniu.md §5), including ids with
`/` and `.`; the local server stands in for a llama.cpp / Ollama style server without keys.
"""

from __future__ import annotations

QINIU_MODELS: tuple[str, ...] = (
    "deepseek-v3",
    "deepseek-r1",
    "qwen3-max",
    "qwen-turbo",
    "glm-4.5",
    "kimi-k2",
    "deepseek/deepseek-v3.1-terminus",
    "x-ai/grok-4-fast",
)
LOCAL_MODELS: tuple[str, ...] = ("llama3.1:8b", "qwen2.5:7b-instruct")
OWNERS = {"deepseek": "deepseek", "qwen": "alibaba", "glm": "zhipu", "kimi": "moonshot",
          "x-ai": "xai", "llama": "meta"}
# Models that think aloud: they stream `reasoning_content` before the answer.
REASONING_MARKERS = ("-r1", "thinking")


def owner(model: str) -> str:
    return next((who for prefix, who in OWNERS.items() if model.startswith(prefix)), "system")


def is_reasoning(model: str) -> bool:
    return any(marker in model for marker in REASONING_MARKERS)


def model_list(models: tuple[str, ...], created: int) -> dict[str, object]:
    return {"object": "list",
            "data": [{"id": model, "object": "model", "created": created,
                      "owned_by": owner(model)} for model in models]}
