from pathlib import Path

import pytest

from live import config
from live.cli import parser

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_every_setting_is_documented():
    text = DOC.read_text(encoding="utf-8")
    assert config.markdown_table() in text, "docs/configuration.md is stale: regenerate the table"
    for s in config.SETTINGS:
        assert s.env in text


def test_flags_win_over_variables_which_win_over_defaults():
    env = {"LIVE_PORT": "9000", "LIVE_HOST": "0.0.0.0", "LIVE_TICK_MS": "50", "LIVE_ALLOWED_ORIGINS": "https://a.cn, https://b.cn/"}
    s = config.load({"port": 9100, "host": None}, environ=env)
    assert s.port == 9100 and s.host == "0.0.0.0" and s.tick_ms == 50
    assert s.allowed_origins == ("https://a.cn", "https://b.cn")
    assert config.load(environ={}).port == 8080 and config.load(environ={}).data_dir == "./data"


def test_bad_variable_is_a_clear_exit():
    with pytest.raises(SystemExit, match="LIVE_PORT"):
        config.load(environ={"LIVE_PORT": "eighty"})


def test_contract_flags_exist_on_serve():
    args = parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "1", "--data-dir", "/x", "--redis-url", "redis://r"])
    assert (args.host, args.port, args.data_dir, args.redis_url) == ("0.0.0.0", 1, "/x", "redis://r")


def test_default_tick_is_within_250_ms():
    assert config.Settings().tick_ms <= 250
