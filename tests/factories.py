"""factory_boy factories for Raison's records."""

import factory
from django.contrib.auth import get_user_model

from objectives.models import KeyResult, MetricKind, Objective, ObjectiveStatus
from org.models import Membership, Role, Unit
from practices.models import (
    Means,
    MeansKind,
    MeansObjective,
    MeansStatus,
    Practice,
    PracticeMeans,
    PracticeObjective,
    PracticeStatus,
)

PASSWORD = "raison-test-password"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"Unit {n}")
    code = factory.Sequence(lambda n: f"unit-{n}")
    parent = None


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = Role.EMPLOYEE


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    title = factory.Sequence(lambda n: f"Objective {n}")
    statement = "Because the organisation needs it."
    unit = factory.SubFactory(UnitFactory)
    status = ObjectiveStatus.ACTIVE
    parent = None


class KeyResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyResult

    objective = factory.SubFactory(ObjectiveFactory)
    title = factory.Sequence(lambda n: f"Key result {n}")
    metric_kind = MetricKind.NUMBER
    start_value = 0
    target_value = 100


class MeansFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Means

    name = factory.Sequence(lambda n: f"Tool {n}")
    kind = MeansKind.TECHNICAL
    description = "A tool people use."
    unit = factory.SubFactory(UnitFactory)
    status = MeansStatus.ACTIVE


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Practice {n}")
    description = "A way people collaborate."
    unit = factory.SubFactory(UnitFactory)
    status = PracticeStatus.ACTIVE


class PracticeObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeObjective

    practice = factory.SubFactory(PracticeFactory)
    objective = factory.SubFactory(ObjectiveFactory)
    rationale = "It serves this objective."


class PracticeMeansFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeMeans

    practice = factory.SubFactory(PracticeFactory)
    means = factory.SubFactory(MeansFactory)
    rationale = "It relies on this means."


class MeansObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeansObjective

    means = factory.SubFactory(MeansFactory)
    objective = factory.SubFactory(ObjectiveFactory)
    rationale = "It serves this objective."
