"""Settings from the environment."""

from __future__ import annotations

from nemo_widgets.client import (
    ClientSettings,
)


def test_settings_from_environment():
    settings = ClientSettings.from_env({"NEMO_CLIENT_RATE_LIMIT_WAIT_S": "0.5",
                                        "NEMO_CLIENT_DROP_POLL_S": "0.1,0.2",
                                        "NEMO_CLIENT_STREAMING": "0",
                                        "NEMO_CLIENT_TRANSIENT_RETRIES": "2"})
    assert settings.rate_limit_wait_s == 0.5 and settings.drop_poll_s == (0.1, 0.2)
    assert settings.streaming is False and settings.transient_retries == 2
