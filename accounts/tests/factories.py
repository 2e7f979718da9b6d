import factory

from accounts.models import Firm, Membership, Role, User

TEST_PASSWORD = "correct-horse-battery-staple"


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Practice {n} Limited")
    slug = factory.Sequence(lambda n: f"practice-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(TEST_PASSWORD)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    firm = factory.SubFactory(FirmFactory)
    role = Role.STAFF


def member_create(*, firm: Firm, role: str = Role.STAFF, **user_fields) -> User:
    """A user who belongs to `firm` with `role`; `user_fields` go to the user."""
    return MembershipFactory(
        firm=firm, role=role, **{f"user__{name}": value for name, value in user_fields.items()}
    ).user
