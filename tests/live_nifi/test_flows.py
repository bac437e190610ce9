"""Every generated integration, imported into the real NiFi: all of it VALID that this NiFi can load.

The flows are generated here by the real protoc for the live NiFi's release, from every example
and every golden input that generates. NiFi's own validation is the judge; components of NARs
this NiFi lacks (Maven serves no 2.x Kafka, AMQP, Redis, MongoDB, AWS or scripting NAR) are
ghosts and listed as not judged, and nothing else may be invalid.
"""
from __future__ import annotations

from .deploy import Deployment, values_for


def test_every_generated_integration_is_valid_on_nifi(nifi, generated, backends, assembly):
    """One test over all integrations, so a failure lists every invalid component at once."""
    failures, report = [], []
    for name, folder in sorted(generated.items()):
        deployment = Deployment(nifi, folder, name=f"live {name}")
        try:
            deployment.upload()
            unset = deployment.set_parameters(values_for(deployment.parameters(), backends))
            deployment.enable_services()
            unsettled = deployment.settle()
            verdict = deployment.verdict()
        finally:
            deployment.remove()
        report.append(f"{name}: {len(verdict.valid)} VALID, {len(verdict.not_judged)} not judged "
                      f"(NAR not served), {len(unset)} parameters only such components use")
        failures += [f"{name}: {problem}" for problem in verdict.invalid + verdict.lost_settings + unsettled]
        failures += [f"{name}: {artifact} is missing from NiFi although the assembly has it"
                     for artifact in verdict.ghost_nars - set(assembly.missing)]
    print("\n".join(report))
    assert not failures, "NiFi finds these generated components invalid:\n" + "\n".join(failures)
    assert generated, "nothing was generated"

