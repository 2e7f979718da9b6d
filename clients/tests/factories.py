import factory

from accounts.tests.factories import FirmFactory
from clients.models import Client, ClientKind, Relationship, RelationshipRole


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    firm = factory.SubFactory(FirmFactory)
    kind = ClientKind.COMPANY
    display_name = factory.Faker("company")
    code = factory.Sequence(lambda n: f"C{n:05d}")
    email = factory.Sequence(lambda n: f"office{n}@company.example.com")


class IndividualFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    firm = factory.SubFactory(FirmFactory)
    kind = ClientKind.INDIVIDUAL
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    display_name = factory.LazyAttribute(lambda o: f"{o.first_name} {o.last_name}")
    code = factory.Sequence(lambda n: f"I{n:05d}")
    email = factory.Sequence(lambda n: f"person{n}@mail.example.com")


class RelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Relationship

    entity = factory.SubFactory(CompanyFactory)
    individual = factory.SubFactory(IndividualFactory, firm=factory.SelfAttribute("..entity.firm"))
    firm = factory.SelfAttribute("entity.firm")
    role = RelationshipRole.DIRECTOR
