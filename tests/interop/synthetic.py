"""A synthetic ArchiMate model of any size, layered like a real one (goal ← outcome ← capability
← function ← application ← node), for the 17,000-element measurement."""

from __future__ import annotations

import random

from interop.formats import exchange
from interop.formats.archimate import ArchimateModel, Element, Relationship


def synthetic_model(elements: int = 17_000, seed: int = 2026) -> bytes:
    rng = random.Random(seed)
    model = ArchimateModel(name="Synthetic")
    counter = 0

    def add(kind: str, name: str) -> str:
        nonlocal counter
        counter += 1
        identifier = f"e{counter}"
        model.elements[identifier] = Element(identifier, kind, f"{name} {counter}", f"About {name.lower()} {counter}.")
        return identifier

    def relate(kind: str, source: str, target: str) -> None:
        model.relationships.append(Relationship(f"r{len(model.relationships) + 1}", kind, source, target))

    share = max(elements // 17, 1)
    goals = [add("Goal", "Goal") for _ in range(share // 10 or 1)]
    outcomes = []
    for _ in range(share):
        outcome = add("Outcome", "Outcome")
        relate("Realization", outcome, rng.choice(goals))
        outcomes.append(outcome)
    capabilities = []
    for _ in range(share):
        capability = add("Capability", "Capability")
        relate("Realization", capability, rng.choice(outcomes))
        capabilities.append(capability)
    functions = []
    for _ in range(share * 4):
        function = add(rng.choice(["BusinessFunction", "BusinessProcess"]), "Practice")
        relate("Realization", function, rng.choice(capabilities))
        functions.append(function)
    applications = []
    for _ in range(share * 5):
        application = add(rng.choice(["ApplicationComponent", "ApplicationService"]), "Application")
        relate("Serving", application, rng.choice(functions))
        applications.append(application)
    while len(model.elements) < elements:
        kind = rng.choice(["Node", "Device", "SystemSoftware", "BusinessRole", "Principle", "BusinessObject"])
        element = add(kind, "Element")
        if kind in ("Node", "Device", "SystemSoftware"):
            relate("Serving", element, rng.choice(applications))
        elif kind == "BusinessRole":
            relate("Assignment", element, rng.choice(functions))
        elif kind == "Principle":
            relate("Realization", element, rng.choice(goals))
    return exchange.serialise(model)
