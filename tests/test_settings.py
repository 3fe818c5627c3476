from __future__ import annotations

import pytest

from tui.domain.errors import SettingsError
from tui.settings import load_settings, save_setting


def write(tmp_path, text):
    path = tmp_path / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_file_then_environment(tmp_path, monkeypatch):
    write(tmp_path, '[tongyi]\naccess_key_id = "from-file"\ninstance_id = "chatbot-cn-x"\n'
                    'endpoint = "http://127.0.0.1:9/"\n[qiniu]\nspeed = 1.5\n')
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "from-env")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s3cret-value")
    s = load_settings()
    assert s.tongyi.access_key_id == "from-env"
    assert s.tongyi.instance_id == "chatbot-cn-x"
    assert s.tongyi.endpoint == "http://127.0.0.1:9"
    assert s.qiniu.speed == 1.5
    assert s.tongyi.missing() == []
    assert "s3cret-value" not in repr(s)


def test_missing_keys_are_listed(tmp_path):
    assert load_settings().tongyi.missing() == ["access_key_id", "access_key_secret", "instance_id"]


@pytest.mark.parametrize("text, words", [
    ("[tongyi\n", ["not valid TOML"]),
    ('[qiniu]\nspeed = "fast"\n', ["speed", "[qiniu]", "0.2 to 3.0"]),
    ('[tongyi]\nendpoint = "chatbot.example.com"\n', ["endpoint", "http://"]),
    ('[audio]\nbackend = "pulse"\n', ["backend", "miniaudio, simpleaudio"]),
    ('tongyi = 3\n', ["[tongyi] table"]),
])
def test_malformed_settings_name_the_key(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert str(path) in message
    for word in words:
        assert word in message


def test_environment_error_names_the_variable(monkeypatch):
    monkeypatch.setenv("AICHAT_QINIU_SPEED", "9")
    with pytest.raises(SettingsError, match="AICHAT_QINIU_SPEED"):
        load_settings()


def test_save_setting_keeps_comments(tmp_path):
    path = write(tmp_path, "# my settings\n[ui]\ntheme = \"aichat-dark\" # favourite\n")
    save_setting(path, "ui", "theme", "aichat-light")
    save_setting(path, "qiniu", "voice", "qiniu_en_male_abc")
    text = path.read_text()
    assert "# my settings" in text
    s = load_settings()
    assert s.ui.theme == "aichat-light"
    assert s.qiniu.voice == "qiniu_en_male_abc"


def test_keymap_ids_quoted_or_not(tmp_path):
    write(tmp_path, '[keymap]\nchat.new = "f9"\n"prompt.send" = "ctrl+s"\n')
    assert load_settings().ui.keymap == {"chat.new": "f9", "prompt.send": "ctrl+s"}
