"""``manage.py alignment_sweep``: the full alignment check, from the command line."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from alignment import engine


class Command(BaseCommand):
    help = _("Check the whole organisation against the alignment rules, raising and resolving flags.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait",
            type=float,
            default=engine.SWEEP_LOCK_WAIT_SECONDS,
            help=_("Seconds to wait for a sweep already running elsewhere before giving up (PostgreSQL)."),
        )

    def handle(self, *args, wait: float, **options):
        width = max(len(str(rule.label)) for rule in engine.RULES)

        live_terminal = self.stderr.isatty()

        def started(rule):
            # On a terminal, say what is running now; the result line overwrites it.
            if live_terminal:
                self.stderr.write(_("Checking %(rule)s…") % {"rule": str(rule.label).lower()}, ending="\r")
                self.stderr.flush()

        def done(result):
            self.stderr.write(
                _("%(rule)s  raised %(raised)6d  resolved %(resolved)6d  %(seconds)8.3f s")
                % {
                    "rule": str(result.kind.label).ljust(width),
                    "raised": result.raised,
                    "resolved": result.resolved,
                    "seconds": result.seconds,
                }
            )

        results = engine.sweep(wait=wait, on_start=started, on_done=done)
        if results is None:
            self.stderr.write(self.style.WARNING(_("Another sweep is running: nothing to do.")))
            return
        self.stdout.write(self._table(engine.summarise(results)))
        self.stdout.write(_("Swept in %(seconds).2f s.") % {"seconds": sum(r.seconds for r in results)})

    def _table(self, summary) -> str:
        headings = [str(h) for h in engine.SUMMARY_HEADINGS]
        rows = [[str(s.label), s.raised, s.resolved, s.open, s.acknowledged] for s in summary]
        rows.append(
            [
                _("Total"),
                sum(s.raised for s in summary),
                sum(s.resolved for s in summary),
                sum(s.open for s in summary),
                sum(s.acknowledged for s in summary),
            ]
        )
        first = max(len(headings[0]), *(len(str(r[0])) for r in rows))
        widths = [first, *(max(len(h), 8) for h in headings[1:])]

        def line(cells):
            return "  ".join(
                str(c).ljust(w) if i == 0 else str(c).rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )

        rule = "  ".join("-" * w for w in widths)
        return "\n".join([line(headings), rule, *(line(r) for r in rows[:-1]), rule, line(rows[-1])])
