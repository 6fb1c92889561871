"""Dashboard JSON as Grafana and Kubernetes hand it out: bare, in the API's envelope, or in a ConfigMap.

- bare: the dashboard model, as the UI's "Export > Save to file" writes it;
- envelope: `{"dashboard": {...}, "meta": {...}}`, as `GET /api/dashboards/uid/<uid>`
  returns it (and as the import API takes it); `meta.folderTitle` names its folder;
- ConfigMap (YAML or JSON, also in a `List` or a multi-document YAML): every
  `data` entry ending in `.json`, as the Grafana sidecar reads them; the folder
  comes from the `grafana_folder` annotation (config.DASHBOARD_FOLDER_ANNOTATION).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass

import yaml

FOLDER_ANNOTATION = "grafana_folder"


class ReadError(ValueError):
    """A file that holds no dashboard this reader knows; its message names the file."""


@dataclass
class Found:
    origin: str  # "path" or "path: ConfigMap 'name' key 'x.json'"
    dashboard: dict
    form: str  # bare | envelope | configmap
    folder: str | None = None


def read(path: str, folder_annotation: str = FOLDER_ANNOTATION) -> list[Found]:
    """Every dashboard in the file at `path`."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError:
        raise ReadError(f"{path}: not a UTF-8 text file") from None
    try:
        docs = [json.loads(text)]
    except json.JSONDecodeError as exc:
        if path.endswith(".json"):
            raise ReadError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
        try:
            docs = [doc for doc in yaml.safe_load_all(text) if doc is not None]
        except yaml.YAMLError as yexc:
            mark = getattr(yexc, "problem_mark", None)
            where = f":{mark.line + 1}" if mark is not None else ""
            raise ReadError(f"{path}{where}: neither JSON nor YAML: {getattr(yexc, 'problem', None) or yexc}") from None
    found: list[Found] = []
    for doc in docs:
        found.extend(_dashboards(path, doc, folder_annotation))
    if not found:
        raise ReadError(f"{path}: no Grafana dashboard in it (expected dashboard JSON, an API envelope or a ConfigMap)")
    return found


def _dashboards(path: str, doc, folder_annotation: str) -> list[Found]:
    if not isinstance(doc, dict):
        return []
    if doc.get("kind") == "List" and isinstance(doc.get("items"), list):
        return [f for item in doc["items"] for f in _dashboards(path, item, folder_annotation)]
    if doc.get("kind") == "ConfigMap":
        return _configmap(path, doc, folder_annotation)
    if isinstance(doc.get("dashboard"), dict):
        meta = doc.get("meta") if isinstance(doc.get("meta"), dict) else {}
        folder = meta.get("folderTitle") if isinstance(meta.get("folderTitle"), str) else None
        return [Found(path, doc["dashboard"], "envelope", folder)]
    if isinstance(doc.get("panels"), list) or isinstance(doc.get("rows"), list):
        return [Found(path, doc, "bare")]
    return []


def _configmap(path: str, doc: dict, folder_annotation: str) -> list[Found]:
    metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    name = metadata.get("name", "?")
    annotations = metadata.get("annotations") if isinstance(metadata.get("annotations"), dict) else {}
    folder = annotations.get(folder_annotation)
    data = doc.get("data") if isinstance(doc.get("data"), dict) else {}
    found = []
    for key in sorted(data):
        if not key.endswith(".json"):
            continue
        origin = f"{path}: ConfigMap '{name}' key '{key}'"
        try:
            dashboard = json.loads(data[key])
        except (TypeError, json.JSONDecodeError) as exc:
            raise ReadError(f"{origin}: not valid JSON: {getattr(exc, 'msg', exc)}") from None
        if isinstance(dashboard, dict):
            found.append(Found(origin, dashboard, "configmap", folder if isinstance(folder, str) else None))
    return found


def display(path: str, root: str) -> str:
    """`path` relative to the project root when inside it."""
    rel = os.path.relpath(os.path.abspath(path), root)
    return path if rel.startswith("..") else rel
