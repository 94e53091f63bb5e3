"""cashiering.forms.OneTimeTokenForm: a bad token is the form's own error, and a fresh one."""

import uuid

import pytest
from django import forms
from django.http import QueryDict

from cashiering.forms import FRESH_FORM_MESSAGE, OneTimeTokenForm


class NoteForm(OneTimeTokenForm):
    note = forms.CharField()


@pytest.mark.parametrize("token", [None, "", "not-a-token", "123e4567-e89b-12d3-a456-42661417400"])
@pytest.mark.parametrize("prefix", [None, "drop"])
def test_a_bad_token_fails_the_form_with_its_message_and_a_fresh_token(token, prefix):
    key = f"{prefix}-token" if prefix else "token"
    data = QueryDict(mutable=True)
    data[f"{prefix}-note" if prefix else "note"] = "kept"
    if token is not None:
        data[key] = token
    data._mutable = False  # as request.POST is
    form = NoteForm(data, prefix=prefix)

    assert not form.is_valid()
    assert form.non_field_errors() == [FRESH_FORM_MESSAGE]
    assert "token" not in form.errors
    fresh = form["token"].value()
    assert uuid.UUID(fresh) and fresh != token
    assert f'value="{fresh}"' in str(form["token"])
    assert form["note"].value() == "kept"
    assert data.get(key) == token  # the request's own data is left as it came


def test_a_good_token_passes_and_is_kept():
    token = uuid.uuid4()
    form = NoteForm({"token": str(token), "note": "kept"})
    assert form.is_valid()
    assert form.cleaned_data["token"] == token


def test_an_unbound_form_renders_its_initial_token():
    token = uuid.uuid4()
    form = NoteForm(initial={"token": token})
    assert not form.errors
    assert f'value="{token}"' in str(form["token"])
