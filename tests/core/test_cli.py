import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_console_script_runs_management_commands_from_the_repository_root():
    script = Path(sys.executable).parent / "openkommune"
    assert script.exists(), (
        "console script `openkommune` is not installed (pyproject [project.scripts])"
    )
    result = subprocess.run(
        [str(script), "help", "import_regions"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "--gv100ad" in result.stdout
