from __future__ import annotations

import os
import stat

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


def test_a_file_that_is_not_toml_fails_whole(tmp_path):
    path = write(tmp_path, "[tongyi\n")
    with pytest.raises(SettingsError, match="not valid TOML") as info:
        load_settings()
    assert str(path) in str(info.value)


def test_a_file_that_is_not_utf8_is_a_settings_error(tmp_path):
    path = write(tmp_path, "")
    path.write_bytes(b'[ui]\ntheme = "\xff\xfe"\n')
    with pytest.raises(SettingsError, match="not UTF-8") as info:
        load_settings()
    assert str(path) in str(info.value)


@pytest.mark.parametrize("text, section, words", [
    ('[qiniu]\nspeed = "fast"\n', "qiniu", ["speed", "[qiniu]", "0.2 to 3.0"]),
    ('[tongyi]\nendpoint = "chatbot.example.com"\n', "tongyi", ["endpoint", "http://"]),
    ('[tongyi]\nendpoint = "http://"\n', "tongyi", ["endpoint", "host"]),
    ('[tongyi]\nendpoint = "http://127.0.0.1:99999"\n', "tongyi", ["endpoint", "port"]),
    ('[tongyi]\nstream_url = "http://[::1"\n', "tongyi", ["stream_url", "host"]),
    ('[tongyi]\naccess_key_id = "LTAI５key"\n', "tongyi", ["access_key_id", "ASCII"]),
    ('[qiniu]\napi_key = "sk-ключ"\n', "qiniu", ["api_key", "ASCII"]),
    ('[audio]\nbackend = "pulse"\n', "audio", ["backend", "miniaudio, simpleaudio"]),
    ('[network]\ntimeout = -1\n', "network", ["timeout", "seconds"]),
    ('tongyi = 3\n', "tongyi", ["[tongyi] table"]),
    ('[keymap]\nsend = 3\n', "keymap", ["[keymap]", "key strings"]),
])
def test_a_bad_value_disables_only_its_section(tmp_path, text, section, words):
    path = write(tmp_path, text + '[ui]\ntheme = "aichat-light"\n' if "ui" not in text else text)
    settings = load_settings()
    assert list(settings.problems) == [section]
    message = str(settings.problems[section])
    assert str(path) in message
    for word in words:
        assert word in message
    with pytest.raises(SettingsError) as info:
        settings.require("ui", section)
    assert info.value is settings.problems[section]
    settings.require("ui")  # the other sections load as written
    assert settings.ui.theme == "aichat-light"
    assert f"[{section}]" in settings.notice() or section in settings.notice()


def test_the_notice_says_what_is_off():
    settings = load_settings(env={"AICHAT_QINIU_SPEED": "fast", "AICHAT_NETWORK_TIMEOUT": "x"})
    notice = settings.notice()
    assert "Qiniu voices, speech and chat is off" in notice and "[network] defaults" in notice
    assert settings.network.timeout == 60.0 and settings.qiniu.speed == 1.0
    assert settings.notice(skip=("qiniu", "network")) == ""


def test_environment_error_names_the_variable():
    settings = load_settings(env={"AICHAT_QINIU_SPEED": "9"})
    assert "AICHAT_QINIU_SPEED" in str(settings.problems["qiniu"])


def test_network_timeout_from_the_environment():
    assert load_settings(env={"AICHAT_NETWORK_TIMEOUT": "2.5"}).network.timeout == 2.5
    assert load_settings(env={}).network.timeout == 60.0


def test_an_over_long_bad_value_is_shortened_in_the_message():
    settings = load_settings(env={"AICHAT_AUDIO_BACKEND": "x" * 1_000_000})
    assert len(str(settings.problems["audio"])) < 500


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


def test_saving_keeps_the_mode_of_a_private_settings_file(tmp_path):
    path = write(tmp_path, '[qiniu]\napi_key = "sk-secret"\n')
    path.chmod(0o600)
    save_setting(path, "ui", "theme", "aichat-light")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert 'api_key = "sk-secret"' in path.read_text()


def test_a_new_settings_file_is_private(tmp_path):
    path = tmp_path / "fresh" / "config.toml"
    save_setting(path, "ui", "theme", "aichat-light")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_saving_writes_through_a_symlink_to_its_target(tmp_path):
    target = tmp_path / "dotfiles" / "aichat.toml"
    target.parent.mkdir()
    target.write_text("# mine\n[ui]\ntheme = \"aichat-dark\"\n")
    target.chmod(0o640)
    link = write(tmp_path, "")
    link.unlink()
    link.symlink_to(target)
    save_setting(link, "ui", "theme", "aichat-light")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert "# mine" in target.read_text() and 'theme = "aichat-light"' in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["aichat.toml"], "no temp file left"


def test_tencent_settings_from_the_file_and_the_environment(tmp_path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[tencent]\napp_id = "42"\napp_key = "file-key"\n'
                    'callback_url = "https://my.host/aichat/"\n', encoding="utf-8")
    settings = load_settings(env={"AICHAT_TENCENT_APP_KEY": "env-key",
                                  "AICHAT_TENCENT_BASE_URL": "http://127.0.0.1:9/fcgi-bin/"},
                             config_path=path)
    tencent = settings.tencent
    assert (tencent.app_id, tencent.app_key.reveal()) == ("42", "env-key")
    assert tencent.base_url == "http://127.0.0.1:9/fcgi-bin"
    assert tencent.callback_url == "https://my.host/aichat"
    assert tencent.listen == "127.0.0.1:0"
    assert "env-key" in settings.secrets() and "env-key" not in repr(tencent)
    assert load_settings(env={}, config_path=tmp_path / "none.toml").tencent.base_url == \
        "https://api.ai.qq.com/fcgi-bin"


def test_chat_provider_settings_and_the_openai_environment_names(tmp_path):
    from tui.settings import load_settings

    env = {"AICHAT_TUI_CONFIG": str(tmp_path / "none.toml"), "AICHAT_TUI_DATA_DIR": str(tmp_path),
           "OPENAI_BASE_URL": "http://localhost:8080/v1/", "OPENAI_API_KEY": "sk-local",
           "AICHAT_CHAT_PROVIDER": "qiniu", "AICHAT_CHAT_CONTEXT_CHARS": "500"}
    settings = load_settings(env=env)
    assert settings.openai.base_url == "http://localhost:8080/v1"
    assert settings.openai.api_key.reveal() == "sk-local"
    assert settings.chat.provider == "qiniu" and settings.chat.context_chars == 500
    assert settings.qiniu.model == "deepseek-v3" and settings.chat.system_prompt == ""
    assert "sk-local" in settings.secrets()
    # Our own names win over the generic ones.
    env["AICHAT_OPENAI_BASE_URL"] = "http://gateway:9000/v1"
    assert load_settings(env=env).openai.base_url == "http://gateway:9000/v1"


@pytest.mark.parametrize(("name", "value", "section", "words"), [
    ("AICHAT_CHAT_PROVIDER", "bard", "chat", "must be one of tongyi, qiniu, openai"),
    ("AICHAT_CHAT_CONTEXT_CHARS", "lots", "chat", "whole number of 1 or more"),
    ("AICHAT_CHAT_CONTEXT_CHARS", "0", "chat", "whole number of 1 or more"),
    ("OPENAI_BASE_URL", "localhost:8080", "openai", "http:// or https:// URL"),
])
def test_bad_chat_settings_name_the_variable(tmp_path, name, value, section, words):
    env = {"AICHAT_TUI_CONFIG": str(tmp_path / "none.toml"), name: value}
    problem = load_settings(env=env).problems[section]
    assert words in str(problem) and name in str(problem)
