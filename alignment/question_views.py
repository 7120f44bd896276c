"""Questions: anyone asks on a record; the managers of its unit answer, or the unit above does."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alignment import questions
from alignment.forms import AnswerForm, AskForm, QuestionFilterForm
from alignment.models import Question, QuestionStatus
from org import roles
from raison.web import paginate, render_region, submit

PAGE_SIZE = 20


def _subject(kind: str, pk: int):
    subject = questions.SUBJECTS[kind]._default_manager.filter(pk=pk).first()
    if subject is None:
        raise Http404(_("There is nothing to ask about here."))
    return subject


def _question(pk: int) -> Question:
    question = (
        Question.objects.select_related("unit", "asked_by", "answered_by", "objective", "means", "practice", "flag")
        .filter(pk=pk)
        .first()
    )
    if question is None:
        raise Http404(_("No such question."))
    return question


@login_required
@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    initial = {"subject_kind": request.GET.get("kind", ""), "subject_id": request.GET.get("id", "")}
    form = AskForm(data, initial=initial)
    # The record asked about, from the form once posted, from the query string before.
    probe = AskForm({**initial, "text": "-"}) if data is None else form
    if not probe.is_valid() and ("subject_kind" in probe.errors or "subject_id" in probe.errors):
        raise Http404(_("There is nothing to ask about here."))
    subject = _subject(probe.cleaned_data["subject_kind"], probe.cleaned_data["subject_id"])
    status = 200
    if data is not None:
        done = submit(request, form, lambda d: questions.ask(by=request.user, subject=subject, text=d["text"]))
        if done.ok:
            messages.success(request, _("Your question went to the managers of %(unit)s.") % {"unit": done.result.unit})
            return redirect("question_detail", pk=done.result.pk)
        form, status = done.form, done.status
    return render_region(request, "alignment/question_ask.html", {"form": form, "subject": subject}, status=status)


@login_required
@require_GET
def question_detail(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question(pk)
    return render_region(
        request,
        "alignment/question.html",
        {
            "question": question,
            "handovers": list(question.handovers.select_related("unit")),
            "form": AnswerForm() if questions.can_answer(request.user, question) else None,
        },
    )


@login_required
@require_POST
def question_answer(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question(pk)
    if not questions.can_answer(request.user, question) and question.status == QuestionStatus.OPEN:
        roles.require_manager(request.user, question.unit_id)
    done = submit(
        request,
        AnswerForm(request.POST),
        lambda d: questions.answer(by=request.user, question=question, text=d["text"]),
    )
    if done.ok:
        messages.success(request, _("Answered: everyone below sees it closed."))
        return redirect("question_detail", pk=question.pk)
    context = {"question": question, "handovers": list(question.handovers.select_related("unit")), "form": done.form}
    return render_region(request, "alignment/question.html", context, status=done.status)


@login_required
@require_GET
def question_list(request: HttpRequest) -> HttpResponse:
    form = QuestionFilterForm(request.GET)
    managed = roles.managed_unit_ids(request.user)
    show = form.cleaned_data.get("show") if form.is_valid() else ""
    show = show or ("for_me" if managed else "mine")
    queryset = Question.objects.select_related("unit", "asked_by").order_by("-asked_at", "-pk")
    if show == "for_me":
        queryset = queryset.filter(status=QuestionStatus.OPEN, unit_id__in=list(managed))
    elif show == "mine":
        queryset = queryset.filter(asked_by=request.user)
    else:
        queryset = queryset.filter(status=QuestionStatus.ANSWERED)
    page = paginate(request, queryset, size=PAGE_SIZE)
    return render_region(request, "alignment/questions.html", {"page": page, "form": form, "show": show}, region="list")
