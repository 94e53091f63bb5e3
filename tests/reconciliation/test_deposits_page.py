"""The deposits page ("Safe and deposits" on the home page) leads to both of its jobs: counting
the safe and preparing a deposit (the browser journey found no way to the safe count there)."""

from django.urls import reverse


def test_the_deposits_page_links_to_the_safe_count_and_a_new_deposit(client, office, supervisor):
    client.force_login(supervisor)

    page = client.get(reverse("reconciliation:deposits"), {"office": office.pk})

    assert page.status_code == 200
    html = page.content.decode()
    assert (
        f'href="{reverse("reconciliation:safe_count")}?office={office.pk}">Count the safe' in html
    )
    assert (
        f'href="{reverse("reconciliation:deposit_prepare")}?office={office.pk}">Prepare a deposit'
        in html
    )


def test_a_supervisor_who_may_not_count_the_safe_sees_no_link_to_it(client, office, supervisor):
    from django.contrib.auth.models import Permission

    supervisor.user_permissions.add(Permission.objects.get(codename="prepare_deposit"))
    supervisor.groups.clear()
    client.force_login(supervisor)

    html = client.get(reverse("reconciliation:deposits"), {"office": office.pk}).content.decode()

    assert "Prepare a deposit" in html
    assert "Count the safe" not in html
