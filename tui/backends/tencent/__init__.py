"""The Tencent AI open platform (ai.qq.com): MD5-signed form API for chat, speech and
recognition."""
