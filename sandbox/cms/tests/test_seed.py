from collections import Counter

from sandbox.cms.seed import CARER_EMAIL, TANDEM_DEMO_ADMIN_EMAIL, cms_seed


def test_the_seed_is_a_pure_function_of_its_arguments():
    def first_account(seed: int) -> list[dict]:
        seeded = cms_seed(seed=seed, clients_per_account=20)
        return [c.record() for c in seeded.clients[seeded.accounts[0].id]]

    assert first_account(3) == first_account(3)
    assert first_account(3) != first_account(4)


def test_two_users_administer_three_care_providers():
    seeded = cms_seed()
    users = {user.email: user for user in seeded.users}
    names = {account.id: account.name for account in seeded.accounts}

    assert [names[i] for i in users[TANDEM_DEMO_ADMIN_EMAIL].account_ids] == [
        "Kauri Home Care",
        "Southern Cross Support Services",
    ]
    assert [names[i] for i in users[CARER_EMAIL].account_ids] == ["Harbourside Disability Support"]


def test_each_account_has_mostly_people_some_archived_and_some_sharing_an_updated_at():
    seeded = cms_seed(clients_per_account=40)

    for account in seeded.accounts:
        clients = seeded.clients[account.id]
        kinds = Counter(c.kind for c in clients)
        stamps = Counter(c.updated_at for c in clients)
        assert len(clients) == 40
        assert kinds["individual"] > len(clients) / 2
        assert sum(c.archived for c in clients) == 2
        assert max(stamps.values()) >= 8
        assert all(c.date_of_birth for c in clients if c.kind == "individual")


def test_addresses_and_numbers_follow_the_providers_country():
    seeded = cms_seed()
    kauri, southern_cross, _ = seeded.accounts

    nz = seeded.clients[kauri.id][0].record()
    au = seeded.clients[southern_cross.id][0].record()
    assert nz["physical_country"] == "New Zealand"
    assert au["physical_country"] == "Australia"
    assert all(
        c.fields["email"].rsplit("@")[1].startswith("example.")
        for clients in seeded.clients.values()
        for c in clients
    )
