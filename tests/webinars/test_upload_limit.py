"""The "upload" abuse limit on webinar documents (forum/limits.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from forum import limits
from tests.factories import small_pdf

pytestmark = pytest.mark.django_db


def test_uploads_past_the_limit_answer_429(clock, moderator, client_for, private_session):
    client = client_for(moderator)
    url = reverse("webinar_document_add", args=[private_session.pk])

    def upload(number: int):
        document = SimpleUploadedFile(f"plan{number}.pdf", small_pdf(), "application/pdf")
        return client.post(url, {"title": f"Plan {number}", "file": document})

    for number in range(limits.LIMITS["upload"].count):
        assert upload(number).status_code == 302

    response = upload(99)

    assert response.status_code == 429
    assert "beaucoup de documents" in response.content.decode()
    assert private_session.documents.count() == limits.LIMITS["upload"].count
