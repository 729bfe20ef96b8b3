"""The pins agree everywhere: requirements.txt, environment.yml (conda users) and pyproject.toml.

conda is not available on the machines that build this book, so environment.yml is checked here
by parsing it, rather than by creating the environment.
"""
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _pins(lines):
    pins = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        req = Requirement(line)
        pins[canonicalize_name(req.name)] = str(req.specifier)
    return pins


def requirements():
    return _pins((ROOT / "requirements.txt").read_text().splitlines())


def test_every_requirement_is_pinned_exactly():
    for name, spec in requirements().items():
        assert spec.startswith("==") and "," not in spec, f"{name} must be pinned with ==, got {spec!r}"


def test_torch_is_the_local_cpu_build():
    assert requirements()["torch"] == "==2.13.0"


def test_environment_yml_matches_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert set(env) == {"name", "channels", "dependencies"}
    deps = env["dependencies"]
    assert "python=3.11" in deps and "pip" in deps
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1, "environment.yml must have exactly one pip: section"
    assert "-e ." in pip_sections[0], "environment.yml must install lib with '-e .'"
    assert _pins(pip_sections[0]) == requirements()
    conda_only = [d for d in deps if isinstance(d, str) and d not in ("python=3.11", "pip")]
    assert not conda_only, f"conda packages outside the pins: {conda_only}"


def test_pyproject_dependencies_are_satisfied_by_the_pins():
    import tomllib

    from packaging.version import Version

    pins = requirements()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for line in project["dependencies"]:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name in pins, f"pyproject depends on {name}, which requirements.txt does not pin"
        assert req.specifier.contains(Version(pins[name][2:])), f"{name}{pins[name]} violates pyproject's {req}"
