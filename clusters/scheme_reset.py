"""The clusters rows of a funding scheme when a preset is loaded over it.

`funding.services.scheme_load_preset(..., replace=True)` makes everything tied to the scheme what
the preset says; this app's rows are its PSF rules (R15-R17) and its cluster pot (R18). A row the
preset does not name (`Preset.related["clusters.psf_rules"]`, `["clusters.cluster_pot"]`) is
deleted (a scheme without PSF rules uses the defaults); a row it names is set to the model's
defaults plus the preset's values. Every write keeps its history with who and the load's reason.

Registered from `ClustersConfig.ready()`, so funding never imports clusters.
"""

from __future__ import annotations

from django.db import models

from clusters.models import ClusterPot, PsfRules

#: (preset key, model) for every clusters row tied to a scheme.
SCHEME_ROWS: tuple[tuple[str, type[models.Model]], ...] = (
    ("clusters.psf_rules", PsfRules),
    ("clusters.cluster_pot", ClusterPot),
)
MODEL_LABELS = tuple(model._meta.label for _key, model in SCHEME_ROWS)
_KEPT = frozenset({"scheme", "updated_at"})


def _defaults(model: type[models.Model]) -> dict:
    """Every editable field at its model default (fields added later included)."""
    return {
        field.attname: field.get_default()
        for field in model._meta.concrete_fields
        if field.editable and not field.primary_key and field.name not in _KEPT
    }


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None


def reset_for_preset(*, scheme, preset, user=None, reason: str = "") -> None:
    """Make the scheme's PSF rules and cluster pot what `preset` says (absent: no row)."""
    for key, model in SCHEME_ROWS:
        wanted = preset.related.get(key)
        row = model.objects.select_for_update().filter(scheme=scheme).first()
        if wanted is None:
            if row is not None:
                row._history_user = _user(user)
                row._change_reason = reason
                row.delete()
            continue
        row = row or model(scheme=scheme)
        for attname, value in {**_defaults(model), **wanted}.items():
            setattr(row, attname, value)
        row._history_user = _user(user)
        row._change_reason = reason
        row.full_clean()
        row.save()
