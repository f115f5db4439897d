"""`EncryptedSecretField`: a model field holding Fernet ciphertext, read back as a `Secret`."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import FieldError
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.lookups import Exact, IsNull
from django.db.models.query_utils import DeferredAttribute

from portal.secrets.crypto import decrypt_text_or_raise, encrypt_text
from portal.secrets.types import Secret, coerce_secret


class Ciphertext:
    """A stored token not yet decrypted: rows load without touching the keys."""

    __slots__ = ("token",)

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return "Ciphertext(...)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ciphertext) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)


class _SecretDescriptor(DeferredAttribute):
    """Decrypts on first read (so the error can name the row) and coerces assignments."""

    field: EncryptedSecretField

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Ciphertext):
            value = self.field.decrypt_for(instance, value.token)
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        if not isinstance(value, Ciphertext) and not hasattr(value, "resolve_expression"):
            value = coerce_secret(value)
        instance.__dict__[self.field.attname] = value


class _ExactNoneOnly(Exact):
    # `filter(secret=None)` is rewritten by Django to isnull; any other value is refused.
    def __init__(self, lhs: Any, rhs: Any) -> None:
        if rhs is not None:
            raise FieldError(_refusal(lhs.output_field, "exact"))
        super().__init__(lhs, rhs)


def _refusal(field: Any, lookup: str) -> str:
    label = f"{field.model._meta.label}.{field.name}" if hasattr(field, "model") else "a secret"
    return (
        f"{label} is an encrypted secret and cannot be filtered with '{lookup}': its "
        "ciphertext differs on every save. Only `__isnull` works; filter on another field "
        "and compare the revealed value in Python if you must."
    )


class EncryptedSecretField(models.TextField):  # type: ignore[type-arg]
    """A secret stored as Fernet ciphertext; its Python value is `Secret | None`.

    Assign a str or a Secret; an empty value is stored as NULL (null=True) or "". Values
    decrypt lazily on first access and raise SecretDecryptionError when no key fits.
    The field is left out of dumpdata, and a form built from it never shows the value
    (a blank submission keeps the stored secret).
    """

    description = "An encrypted secret"
    descriptor_class = _SecretDescriptor

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("serialize", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        kwargs.pop("serialize", None)
        # The public path keeps migrations stable if the package's insides move.
        return name, "portal.secrets.EncryptedSecretField", args, kwargs

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        if self.unique or getattr(self, "db_index", False) or self.primary_key:
            errors.append(
                checks.Error(
                    "EncryptedSecretField cannot be unique, indexed or a primary key: "
                    "its ciphertext differs on every save.",
                    obj=self,
                    id="connectors.E001",
                )
            )
        return errors

    # --- reading and writing ------------------------------------------------------

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        if value is None or value == "":
            return None
        return Ciphertext(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, Ciphertext):
            return value
        return coerce_secret(value)

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, Ciphertext):
            return value.token
        secret = coerce_secret(value)
        if secret is None:
            return None if self.null else ""
        return encrypt_text(secret.reveal())

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        # The raw attribute, so saving a row whose secret was never read keeps its
        # ciphertext as is, even when no current key could decrypt it.
        return model_instance.__dict__.get(self.attname)

    def value_to_string(self, obj: models.Model) -> str:
        # Serialisers skip this field (serialize=False); if one asks anyway, it gets
        # ciphertext only.
        value = obj.__dict__.get(self.attname)
        prepared = self.get_prep_value(value)
        return prepared or ""

    def decrypt_for(self, instance: models.Model, token: str) -> Secret:
        where = f"{type(instance)._meta.label}.{self.name} for row pk={instance.pk!r}"
        return Secret(decrypt_text_or_raise(token, where=where))

    # --- querying -------------------------------------------------------------------

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return _ExactNoneOnly
        raise FieldError(_refusal(self, lookup_name))

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(_refusal(self, lookup_name))

    # --- forms ------------------------------------------------------------------------

    def formfield(self, **kwargs: Any) -> Any:
        from portal.secrets.forms import SecretFormField, SecretInput

        # The admin (and any formfield_overrides for TextField) hands us a Textarea,
        # which would show the value and save whatever it showed: only ours will do.
        widget = kwargs.get("widget")
        widget_class = widget if isinstance(widget, type) else type(widget)
        if widget is None or not issubclass(widget_class, SecretInput):
            kwargs["widget"] = SecretInput
        # Skip TextField.formfield, which would put its own Textarea back.
        return models.Field.formfield(self, form_class=SecretFormField, **kwargs)

    def save_form_data(self, instance: models.Model, data: Any) -> None:
        # Write-only: a blank submission means "keep the stored secret".
        if data:
            setattr(instance, self.name, data)
