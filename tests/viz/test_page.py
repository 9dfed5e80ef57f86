"""The page's components rendered without a browser: widgets, Step, Reset, one model a session."""

import weakref

import ipyvuetify as v
import ipywidgets
import pytest
import solara

from gpfed.parameters import SPEC
from gpfed.viz import app
from gpfed.viz.controls import LEVERS, lever_label
from gpfed.viz.factory import PolicyModel


class Sessions:
    """Renders pages as Solara does per browser session, recording the models they build."""

    def __init__(self, monkeypatch):
        self.models: list[weakref.ref] = []
        self.pages = []
        record = self.models

        class RecordedModel(PolicyModel):
            def __init__(self, **controls):
                super().__init__(**controls)
                record.append(weakref.ref(self))

        monkeypatch.setattr(app, "build_model", RecordedModel)

    def open(self):
        _, page = solara.render(app.Layout(children=[app.Page()]), handle_error=False)
        self.pages.append(page)
        return page

    def close(self):
        for page in self.pages:
            page.close()
        self.pages.clear()

    def latest(self):
        return self.models[-1]()


@pytest.fixture
def sessions(monkeypatch):
    opened = Sessions(monkeypatch)
    yield opened
    opened.close()


def _button(page, label):
    return page.find(v.Btn, children=[label]).widget


def _figures(page):
    """PNG bytes of the network and of the outcome panels (the page's two images, in order)."""
    network, plots = (image.value for image in page.find(ipywidgets.Image).widgets)
    return network, plots


def _texts(page):
    """Every solara.Text on the page (a span; finding stops at a match, so not "any Html")."""
    spans = page.find(v.Html, tag="span").widgets
    return " ".join(child for w in spans for child in w.children if isinstance(child, str))


def test_page_renders_the_controls_plots_and_panels(sessions):
    page = sessions.open()
    for label in ("Step", "Reset", "▶"):
        _button(page, label)
    sliders = {w.label for w in page.find(v.Slider).widgets}
    selects = {w.label for w in page.find(v.Select).widgets}
    for name in LEVERS:
        assert lever_label(SPEC[name]) in (selects if SPEC[name].choices else sliders)
    assert "policy scenario" in selects
    page.find(v.TextField, label="seed (whole number, 0 or more)").assert_single()
    assert [figure[:4] for figure in _figures(page)] == [b"\x89PNG", b"\x89PNG"]
    assert "Time: 0.0" in _texts(page)
    assert "status_quo:" in _texts(page)


def test_step_advances_the_model_and_redraws(sessions):
    page = sessions.open()
    model = sessions.latest()
    network, plots = _figures(page)
    _button(page, "Step").click()
    assert model.quarters_simulated == 1
    assert "Time: 1.0" in _texts(page)
    after = _figures(page)
    assert after[0] != network
    assert after[1] != plots


def test_reset_builds_the_chosen_scenario_levers_and_seed(sessions):
    page = sessions.open()
    first = sessions.latest()
    page.find(v.Select, label="policy scenario").widget.v_model = "kings_fund_2014"
    page.find(v.Slider, label="quality weight").widget.v_model = 0.8
    seed = page.find(v.TextField, label="seed (whole number, 0 or more)").widget
    seed.v_model = "7"
    seed.fire_event("keyup.enter", None)
    _button(page, "Reset").click()
    model = sessions.latest()
    assert model is not first
    assert model.params.scenario == "kings_fund_2014"
    assert model.params.quality_weight == 0.8
    assert model.seed == 7
    assert "kings_fund_2014:" in _texts(page)


def test_each_session_builds_and_steps_its_own_model(sessions):
    one, two = sessions.open(), sessions.open()
    first, second = (ref() for ref in sessions.models)
    assert first is not second
    _button(one, "Step").click()
    _button(one, "Step").click()
    assert (first.quarters_simulated, second.quarters_simulated) == (2, 0)
    _button(two, "Step").click()
    assert (first.quarters_simulated, second.quarters_simulated) == (2, 1)


def test_a_bad_seed_says_why_and_back_gives_a_fresh_page(sessions):
    page = sessions.open()
    _button(page, "Step").click()
    seed = page.find(v.TextField, label="seed (whole number, 0 or more)").widget
    seed.v_model = "abc"
    seed.fire_event("keyup.enter", None)
    _button(page, "Reset").click()
    alert = page.find(v.Alert).widget
    assert "seed = 'abc'; allowed a whole number, 0 or more" in str(alert.children)
    _button(page, "Back to a fresh page").click()
    page.find(v.Alert).assert_empty()
    assert sessions.latest().quarters_simulated == 0
    assert "Time: 0.0" in _texts(page)


def test_the_inspector_shows_the_chosen_practice_within_range(sessions):
    page = sessions.open()
    model = sessions.latest()
    number = page.find(v.TextField, label="practice number (0 to 199; ringed on the map)").widget
    number.v_model = "12"
    number.fire_event("keyup.enter", None)
    assert f"{model.practice_agent(12).list_size:,} patients" in _texts(page)
    number.v_model = "5000"
    number.fire_event("keyup.enter", None)
    assert number.v_model == "199"
