"""Progress on stderr: shown on a terminal once a run takes a moment, never in pipes by default."""

import io
import time

from matcher.progress import Progress


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_shows_the_phase_after_the_delay_and_a_final_line():
    out = FakeTTY()
    with Progress(stream=out, delay=0.05, interval=0.02) as p:
        p.phase("reading wgs.vcf.gz (56.5 MB)")
        time.sleep(0.2)
    text = out.getvalue()
    assert "\r\x1b[K[matcher] reading wgs.vcf.gz (56.5 MB) … " in text
    assert text.endswith("s\n") and "done in" in text


def test_quick_runs_on_a_terminal_show_nothing():
    out = FakeTTY()
    with Progress(stream=out, delay=5) as p:
        p.phase("reading")
    assert out.getvalue() == ""


def test_pipes_stay_clean_unless_forced():
    out = io.StringIO()
    with Progress(stream=out, delay=0) as p:
        p.phase("reading")
        time.sleep(0.05)
    assert out.getvalue() == ""
    forced = io.StringIO()
    with Progress(True, stream=forced) as p:
        p.phase("reading")
        p.phase("matching 3 calls")
    lines = forced.getvalue().splitlines()
    assert lines[:2] == ["[matcher] reading", "[matcher] matching 3 calls"]
    assert lines[-1].startswith("[matcher] done in")
