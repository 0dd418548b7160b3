"""Spinnaker's public sources, read as `(repository, ref, path) -> text` from git clones or over HTTPS.

The release catalog's facts come from files of public GitHub repositories at a ref (a tag, or HEAD for the
default branch: `git show HEAD:path`, and raw.githubusercontent.com resolves HEAD too, as Homebrew's documented
installer URL `raw.githubusercontent.com/Homebrew/install/HEAD/install.sh` relies on): spinnaker/spinnaker.io's
changelogs, each service's config file at its tag. Two sources serve them, so that one parser
(spinops.spinnaker.gather) reads both:
- `GitSource`: clones on this machine (the maintainers' `python -m spinops.spinnaker.gather`);
- `HttpSource`: `https://raw.githubusercontent.com/<owner>/<repo>/<ref>/<path>` (`spinops catalog add`, on a
  machine that can reach GitHub, such as a GitHub runner). `base` replaces the host, for recorded responses.

`read` returns None when the ref or the file does not exist (git: `git show` fails; HTTP: 404); anything
else that stops the read (no network, a 5xx, a non-UTF-8 body) raises SourceError, so that "the release
does not exist" is never confused with "GitHub could not be reached".
"""

from __future__ import annotations

import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from spinops import __version__

RAW_GITHUB = "https://raw.githubusercontent.com"
TIMEOUT = 30  # seconds per request


class SourceError(Exception):
    """A source could not be read (not: the file does not exist)."""


class GitSource:
    """Clones: `site` is spinnaker/spinnaker.io's; `repos` holds the others as `<name>` or `spinnaker+<name>/repo`
    (the layout of the search tool's mirrors)."""

    def __init__(self, site: Path, repos: Path):
        self.site = Path(site)
        self.repos = Path(repos)

    def _clone(self, repo: str) -> Path:
        owner, name = repo.split("/", 1)
        if repo == "spinnaker/spinnaker.io":
            return self.site
        for candidate in (self.repos / name, self.repos / f"{owner}+{name}" / "repo"):
            if candidate.exists():
                return candidate
        return self.repos / name

    def where(self, repo: str, ref: str, path: str) -> str:
        return f"{self._clone(repo)} {ref}:{path}"

    def read(self, repo: str, ref: str, path: str) -> str | None:
        clone = self._clone(repo)
        if not clone.exists():
            return None
        proc = subprocess.run(["git", "-C", str(clone), "show", f"{ref}:{path}"], capture_output=True, check=False)
        if proc.returncode != 0:
            return None
        return _text(proc.stdout, self.where(repo, ref, path))


class HttpSource:
    """raw.githubusercontent.com (or `base`, an http(s) URL serving the same layout)."""

    def __init__(self, base: str = RAW_GITHUB, timeout: float = TIMEOUT):
        scheme = urllib.parse.urlsplit(base).scheme
        if scheme not in ("https", "http"):
            raise SourceError(f"source URL {base!r} is not an http(s) URL")
        self.base = base.rstrip("/")
        self.timeout = timeout

    def where(self, repo: str, ref: str, path: str) -> str:
        return f"{self.base}/{repo}/{urllib.parse.quote(ref, safe='')}/{urllib.parse.quote(path)}"

    def read(self, repo: str, ref: str, path: str) -> str | None:
        url = self.where(repo, ref, path)
        request = urllib.request.Request(url, headers={"User-Agent": f"spinops/{__version__}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (scheme checked)
                body = response.read()
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise SourceError(f"{url}: HTTP {e.code} {e.reason}") from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", None) or e
            raise SourceError(f"{url}: could not be fetched ({reason})") from None
        return _text(body, url)


def _text(body: bytes, where: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise SourceError(f"{where}: not UTF-8 text") from None
