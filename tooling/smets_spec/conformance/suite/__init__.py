"""The SMETS conformance suite. Run it with ``smets conform`` (see docs/conformance.md).

Every test names the requirements it verifies with ``@pytest.mark.verifies``; the
numbers it asserts are quoted from the requirement text, never taken from the
reference models, so the suite is a check of any device, the models included.
"""
