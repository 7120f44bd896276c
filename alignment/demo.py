"""The demo organisation: the enterprise-2.0 story Raison comes from, in English or French.

A company wants teams to stop re-inventing what others already learned. It sets a
strategic objective, deploys technical means (a wiki, an enterprise social network)
and organisational ones (a community manager, a weekly sharing ritual, a training),
and practices live those objectives. One team's private file shares have no purpose
anyone can name (an orphan practice), and one chat tool was installed by a team on
its own (a purposeless means): the seeds of a parallel intranet that the flags show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from alignment import questions
from objectives.key_results import check_in, key_result_create
from objectives.models import CheckIn, Confidence, KeyResult, MetricKind, Objective, ObjectiveStatus
from objectives.services import objective_create
from org.models import Membership, Role, Unit
from practices.models import Means, MeansKind, Practice
from practices.services import (
    means_create,
    means_link_objective,
    practice_create,
    practice_link_means,
    practice_link_objective,
    practice_mark_practising,
    practice_propose,
)

DEMO_COMPANY_CODE = "demo-company"
DEMO_PASSWORD = "raison-demo"  # noqa: S105 — the embedded demo only; load_demo refuses in production


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    unit: str


# Each text is (English, French).
TEXT = {
    "company": ("Hexagone Industries", "Hexagone Industries"),
    "engineering": ("Engineering division", "Division Ingénierie"),
    "platform": ("Platform team", "Équipe Plateforme"),
    "product": ("Product team", "Équipe Produit"),
    "sales": ("Sales and services division", "Division Ventes et services"),
    "obj_reuse": (
        "Capitalise and reuse best practices across teams",
        "Capitaliser et réutiliser les bonnes pratiques entre les équipes",
    ),
    "obj_reuse_why": (
        "Every team re-invents what another one already learned: we lose time and quality. "
        "What one project learns must serve the next one.",
        "Chaque équipe réinvente ce qu'une autre a déjà appris : nous perdons du temps et de la qualité. "
        "Ce qu'un projet apprend doit servir au suivant.",
    ),
    "obj_customer": (
        "Bring customer knowledge to every team",
        "Faire circuler la connaissance client dans toutes les équipes",
    ),
    "obj_customer_why": (
        "Those who build the product rarely hear the customers; their feedback must reach them quickly.",
        "Ceux qui construisent le produit entendent rarement les clients : leurs retours doivent leur parvenir vite.",
    ),
    "obj_lessons": (
        "Share lessons learned after each project",
        "Partager les retours d'expérience après chaque projet",
    ),
    "obj_lessons_why": (
        "A lesson written down once saves every later project from learning it the hard way.",
        "Une leçon écrite une fois évite à chaque projet suivant de la réapprendre à ses dépens.",
    ),
    "obj_expert": ("Find an expert in under a day", "Trouver un expert en moins d'une journée"),
    "obj_expert_why": (
        "Knowing who knows is the fastest way to reuse what the company already knows.",
        "Savoir qui sait est le moyen le plus rapide de réutiliser ce que l'entreprise sait déjà.",
    ),
    "obj_feedback": (
        "Share customer feedback with product teams",
        "Partager les retours clients avec les équipes produit",
    ),
    "obj_feedback_why": (
        "Feedback heard by sales must be visible to those who decide what to build next.",
        "Les retours entendus par les ventes doivent être visibles de ceux qui décident quoi construire.",
    ),
    "m_wiki": ("Wiki", "Wiki"),
    "m_wiki_desc": (
        "The company wiki, where teams write down what they learned.",
        "Le wiki de l'entreprise, où les équipes écrivent ce qu'elles ont appris.",
    ),
    "m_esn": ("Enterprise social network", "Réseau social d'entreprise"),
    "m_esn_desc": (
        "Communities, questions and answers open to everyone in the company.",
        "Des communautés, des questions et des réponses ouvertes à toute l'entreprise.",
    ),
    "m_cm": ("Community manager", "Animateur de communauté"),
    "m_cm_desc": (
        "A role: someone who animates the communities and connects people who should talk.",
        "Un rôle : une personne qui anime les communautés et met en relation ceux qui devraient se parler.",
    ),
    "m_ritual": ("Weekly sharing ritual", "Rituel hebdomadaire de partage"),
    "m_ritual_desc": (
        "Thirty minutes every Friday where a team shows what worked and what did not.",
        "Trente minutes chaque vendredi où une équipe montre ce qui a marché et ce qui n'a pas marché.",
    ),
    "m_training": ("Training: writing a useful lesson learned", "Formation : rédiger un retour d'expérience utile"),
    "m_training_desc": (
        "Two hours to learn to write a lesson others can reuse.",
        "Deux heures pour apprendre à écrire une leçon réutilisable par d'autres.",
    ),
    "m_chat": ("Team chat rooms", "Salons de discussion d'équipe"),
    "m_chat_desc": (
        "A chat tool the platform team installed on its own last year.",
        "Un outil de discussion installé par l'équipe plateforme de sa propre initiative l'an dernier.",
    ),
    "p_wiki": (
        "Teams publish their lessons learned in the wiki after each project",
        "Les équipes publient leurs retours d'expérience dans le wiki après chaque projet",
    ),
    "p_friday": ("Friday show-and-tell of what worked", "Présentation du vendredi de ce qui a marché"),
    "p_ask": (
        "Ask the network before starting from scratch",
        "Demander au réseau avant de repartir de zéro",
    ),
    "p_feedback": (
        "Sales post customer feedback in the product community",
        "Les ventes publient les retours clients dans la communauté produit",
    ),
    "p_orphan": (
        "Each team keeps its own shared folder of templates",
        "Chaque équipe garde son propre dossier partagé de modèles",
    ),
    "p_orphan_desc": (
        "Nobody remembers why; other teams cannot find these templates.",
        "Personne ne se souvient pourquoi ; les autres équipes ne trouvent pas ces modèles.",
    ),
    "p_buddy": (
        "Pair every new joiner with a buddy for their first month",
        "Associer chaque nouvel arrivant à un parrain pendant son premier mois",
    ),
    "p_buddy_desc": (
        "We do it in the platform team and it spreads our habits faster than any document.",
        "Nous le faisons dans l'équipe plateforme et cela diffuse nos habitudes plus vite qu'un document.",
    ),
    "r_wiki_lessons": (
        "The wiki is where lessons learned are written once and found again.",
        "Le wiki est l'endroit où les retours d'expérience sont écrits une fois et retrouvés.",
    ),
    "r_esn_expert": (
        "People answer questions in the open, so experts become visible.",
        "Les gens répondent aux questions en public, les experts deviennent visibles.",
    ),
    "r_esn_feedback": (
        "The product community is where feedback reaches the product teams.",
        "La communauté produit est l'endroit où les retours atteignent les équipes produit.",
    ),
    "r_cm_reuse": (
        "Someone must animate the sharing or it fades away.",
        "Quelqu'un doit animer le partage, sinon il s'éteint.",
    ),
    "r_ritual_lessons": (
        "A fixed moment makes sharing a habit rather than an effort.",
        "Un moment fixe fait du partage une habitude plutôt qu'un effort.",
    ),
    "r_training_lessons": (
        "A lesson nobody can reuse is not a lesson learned.",
        "Une leçon que personne ne peut réutiliser n'est pas un retour d'expérience.",
    ),
    "r_p_lessons": (
        "Publishing after each project is how lessons are shared.",
        "Publier après chaque projet est la manière de partager les leçons.",
    ),
    "r_p_wiki": ("The lessons live in the wiki.", "Les leçons vivent dans le wiki."),
    "r_p_training": ("Writers follow the training first.", "Les rédacteurs suivent d'abord la formation."),
    "r_p_friday": ("Showing what worked spreads it.", "Montrer ce qui a marché le diffuse."),
    "r_p_ritual": ("It happens during the weekly ritual.", "Cela se passe pendant le rituel hebdomadaire."),
    "r_p_ask": ("Asking first finds the expert who already knows.", "Demander d'abord trouve l'expert qui sait déjà."),
    "r_p_esn": ("Questions are asked on the network.", "Les questions sont posées sur le réseau."),
    "r_p_cm": (
        "The community manager routes unanswered questions.",
        "L'animateur oriente les questions restées sans réponse.",
    ),
    "r_p_feedback": (
        "This is how feedback reaches the product teams.",
        "C'est ainsi que les retours atteignent le produit.",
    ),
}


TEXT.update(
    {
        "kr_lessons": ("Lessons-learned pages published", "Pages de retours d'expérience publiées"),
        "kr_answer": ("Questions answered within a day", "Questions répondues dans la journée"),
        "kr_feedback": ("Customer ideas reaching a product team", "Idées de clients arrivant à une équipe produit"),
        "ci_lessons": ("Two projects closed without one.", "Deux projets clos sans retour."),
        "ci_answer": ("The community manager is on leave.", "L'animateur est en congé."),
        "b_wiki": (
            "You stop answering the same questions twice: people read your page instead.",
            "Vous ne répondez plus deux fois aux mêmes questions : on lit votre page.",
        ),
        "b_friday": (
            "Your work is seen across teams, and you hear what others tried.",
            "Votre travail est vu des autres équipes, et vous apprenez ce qu'elles ont essayé.",
        ),
        "q_chat": (
            "Why do we still have our own chat rooms when the whole company is on the social network?",
            "Pourquoi avons-nous encore nos salons de discussion alors que toute l'entreprise est sur le "
            "réseau social ?",
        ),
    }
)


def _t(key: str, lang: str) -> str:
    english, french = TEXT[key]
    return french if lang == "fr" else english


def demo_logins() -> list[DemoLogin]:
    return [
        DemoLogin("claire", DEMO_PASSWORD, "executive", "company"),
        DemoLogin("marc", DEMO_PASSWORD, "manager", "engineering"),
        DemoLogin("sophie", DEMO_PASSWORD, "employee", "platform"),
        DemoLogin("admin", DEMO_PASSWORD, "administrator", "company"),
    ]


def demo_exists() -> bool:
    return Unit.objects.filter(code=DEMO_COMPANY_CODE).exists()


@transaction.atomic
def load_demo(lang: str = "en") -> bool:
    """Create the demo organisation once. Returns False (and changes nothing) if it is already there."""
    if demo_exists():
        return False
    User = get_user_model()

    company = Unit.objects.create(name=_t("company", lang), code=DEMO_COMPANY_CODE)
    engineering = Unit.objects.create(name=_t("engineering", lang), code="demo-engineering", parent=company)
    platform = Unit.objects.create(name=_t("platform", lang), code="demo-platform", parent=engineering)
    Unit.objects.create(name=_t("product", lang), code="demo-product", parent=engineering)
    sales = Unit.objects.create(name=_t("sales", lang), code="demo-sales", parent=company)

    names = {
        "claire": ("Claire", "Martin"),
        "marc": ("Marc", "Dubois"),
        "sophie": ("Sophie", "Bernard"),
        "admin": ("Ada", "Admin"),
    }
    units = {"company": company, "engineering": engineering, "platform": platform}
    people = {}
    for login in demo_logins():
        first, last = names[login.username]
        user, _created = User.objects.get_or_create(
            username=login.username,
            defaults={"first_name": first, "last_name": last, "email": f"{login.username}@example.org"},
        )
        user.set_password(login.password)
        if login.role == "administrator":
            # The administrator runs the Django admin; a superuser needs no membership.
            user.is_staff = user.is_superuser = True
            user.save()
            continue
        user.save()
        Membership.objects.update_or_create(user=user, unit=units[login.unit], defaults={"role": login.role})
        people[login.username] = user
    # The sales manager makes the customer-feedback branch someone else's responsibility.
    nadia, _created = User.objects.get_or_create(
        username="nadia", defaults={"first_name": "Nadia", "last_name": "Leroy", "email": "nadia@example.org"}
    )
    nadia.set_password(DEMO_PASSWORD)
    nadia.save()
    Membership.objects.update_or_create(user=nadia, unit=sales, defaults={"role": Role.MANAGER})
    Membership.objects.update_or_create(user=people["sophie"], unit=platform, defaults={"role": Role.EMPLOYEE})
    claire, marc, sophie = people["claire"], people["marc"], people["sophie"]

    def objective(key, unit, by, parent=None):
        return objective_create(
            by=by,
            title=_t(key, lang),
            statement=_t(f"{key}_why", lang),
            unit=unit,
            parent=parent,
            status=ObjectiveStatus.ACTIVE,
        )

    reuse = objective("obj_reuse", company, claire)
    customer = objective("obj_customer", company, claire)
    lessons = objective("obj_lessons", engineering, marc, reuse)
    expert = objective("obj_expert", engineering, marc, reuse)
    feedback = objective("obj_feedback", sales, nadia, customer)

    def means(key, kind, unit, by, url=""):
        return means_create(
            by=by, name=_t(key, lang), kind=kind, unit=unit, description=_t(f"{key}_desc", lang), url=url
        )

    wiki = means("m_wiki", MeansKind.TECHNICAL, engineering, marc, "https://wiki.example.org/")
    esn = means("m_esn", MeansKind.TECHNICAL, company, claire, "https://social.example.org/")
    community_manager = means("m_cm", MeansKind.ORGANISATIONAL, company, claire)
    ritual = means("m_ritual", MeansKind.ORGANISATIONAL, engineering, marc)
    training = means("m_training", MeansKind.ORGANISATIONAL, engineering, marc)
    means("m_chat", MeansKind.TECHNICAL, platform, marc, "https://chat.platform.example.org/")

    means_link_objective(means=wiki, objective=lessons, by=marc, rationale=_t("r_wiki_lessons", lang))
    means_link_objective(means=esn, objective=expert, by=claire, rationale=_t("r_esn_expert", lang))
    means_link_objective(means=esn, objective=feedback, by=claire, rationale=_t("r_esn_feedback", lang))
    means_link_objective(means=community_manager, objective=reuse, by=claire, rationale=_t("r_cm_reuse", lang))
    means_link_objective(means=ritual, objective=lessons, by=marc, rationale=_t("r_ritual_lessons", lang))
    means_link_objective(means=training, objective=lessons, by=marc, rationale=_t("r_training_lessons", lang))

    def practice(key, unit, by, objective_and_rationale, means_and_rationales, description=""):
        item = practice_create(by=by, name=_t(key, lang), unit=unit, description=description)
        if objective_and_rationale:
            target, reason = objective_and_rationale
            practice_link_objective(practice=item, objective=target, by=by, rationale=_t(reason, lang))
        for used, reason in means_and_rationales:
            practice_link_means(practice=item, means=used, by=by, rationale=_t(reason, lang))
        return item

    publish = practice(
        "p_wiki", engineering, marc, (lessons, "r_p_lessons"), [(wiki, "r_p_wiki"), (training, "r_p_training")]
    )
    practice("p_friday", engineering, marc, (lessons, "r_p_friday"), [(ritual, "r_p_ritual")])
    practice("p_ask", engineering, marc, (expert, "r_p_ask"), [(esn, "r_p_esn"), (community_manager, "r_p_cm")])
    practice("p_feedback", sales, nadia, (feedback, "r_p_feedback"), [(esn, "r_p_esn")])
    practice("p_orphan", platform, marc, None, [], description=_t("p_orphan_desc", lang))
    practice_propose(by=sophie, name=_t("p_buddy", lang), description=_t("p_buddy_desc", lang))
    practice_mark_practising(practice=publish, by=sophie)
    _outcomes(lang, people=people, lessons=lessons, expert=expert, feedback=feedback, nadia=nadia)
    return True


def _outcomes(lang: str, *, people, lessons, expert, feedback, nadia) -> None:
    """Key results with a few weeks of check-ins, what practices bring people, an open question.

    The demo tells the story of an organisation that has been at it for a while: its
    objectives are past their grace period and its key results have a history.
    """
    marc, sophie = people["marc"], people["sophie"]
    weeks_ago = timezone.now() - timedelta(weeks=6)
    Objective.objects.filter(pk__in=[lessons.pk, expert.pk, feedback.pk, lessons.parent_id, feedback.parent_id]).update(
        activated_at=weeks_ago
    )
    lessons_kr = key_result_create(
        by=marc,
        objective=lessons,
        title=_t("kr_lessons", lang),
        metric_kind=MetricKind.NUMBER,
        start_value=Decimal(0),
        target_value=Decimal(40),
        owner=sophie,
    )
    answer_kr = key_result_create(
        by=marc,
        objective=expert,
        title=_t("kr_answer", lang),
        metric_kind=MetricKind.PERCENTAGE,
        start_value=Decimal(35),
        target_value=Decimal(80),
        owner=marc,
    )
    key_result_create(
        by=nadia,
        objective=feedback,
        title=_t("kr_feedback", lang),
        metric_kind=MetricKind.NUMBER,
        start_value=Decimal(0),
        target_value=Decimal(12),
        owner=nadia,
    )
    history = [
        (lessons_kr, sophie, 6, Confidence.ON_TRACK, ""),
        (lessons_kr, sophie, 9, Confidence.AT_RISK, "ci_lessons"),
        (lessons_kr, sophie, 14, Confidence.ON_TRACK, ""),
        (answer_kr, marc, 48, Confidence.ON_TRACK, ""),
        (answer_kr, marc, 51, Confidence.OFF_TRACK, "ci_answer"),
    ]
    for kr, by, value, confidence, comment in history:
        note = _t(comment, lang) if comment else ""
        check_in(by=by, key_result=kr, value=Decimal(value), confidence=confidence, comment=note)
    # Spread the check-ins over the past weeks, as they happened.
    for offset, entry in enumerate(CheckIn.objects.order_by("-pk")):
        CheckIn.objects.filter(pk=entry.pk).update(created_at=timezone.now() - timedelta(weeks=offset * 2))
    KeyResult.objects.update(created_at=weeks_ago)
    Practice.objects.filter(name=_t("p_wiki", lang)).update(personal_benefit=_t("b_wiki", lang))
    Practice.objects.filter(name=_t("p_friday", lang)).update(personal_benefit=_t("b_friday", lang))
    chat = Means.objects.get(name=_t("m_chat", lang))
    questions.ask(by=sophie, subject=chat, text=_t("q_chat", lang))
