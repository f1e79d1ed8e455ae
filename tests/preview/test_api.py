"""The library's surface: every public name resolves, and the command line's help stays light."""

from __future__ import annotations

import subprocess
import sys

import cadence.preview as preview


def test_every_public_name_resolves():
    assert all(getattr(preview, name) is not None for name in preview.__all__)
    assert preview.preview_file.__module__ == "cadence.preview.runner"


def test_help_does_not_load_the_channels():
    code = ("import sys\nfrom cadence.cli.main import main\nmain(['preview', '--help'])\n"
            "print(sorted(m for m in ('temporalio', 'cadence.preview.model', 'cadence.channels') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Default: FILE's name + -preview.html" in " ".join(done.stdout.split())
    assert "[default: 2027-03-01T09:00]" in " ".join(done.stdout.split())
    assert done.stdout.splitlines()[-1] == "[]"
