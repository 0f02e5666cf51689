"""Teachers author their school's challenges and courses in the Wagtail admin, the education centre the city's;
the challenge is a StreamField block any lesson may include."""

from __future__ import annotations

from django.urls import reverse

from coding_lab.models import Challenge
from coding_lab.testing import dumps, polygon
from school_portal.core.registry import blocks_for

ADD = "wagtailsnippets_coding_lab_challenge:add"


def _form(**values):
    data = {
        "title": "New maze",
        "school": "",
        "grade": "3",
        "stage_type": "maze",
        "instructions": "Go!",
        "maze": "#####\n#S.G#\n#####",
        "start_direction": "1",
        "solution": "",
        "text_cases": "[]",
        "toolbox": ["maze_move_forward", "maze_turn"],
        "required_blocks": [],
        "block_budget": "3",
        "starter": "",
        "hints": "Walk.\nThen walk again.",
    }
    data.update(values)
    return data


def test_a_teacher_writes_a_challenge_for_their_own_school_only(client_as, world):
    teacher = client_as("homeroom_teacher")
    response = teacher.post(reverse(ADD), _form(school=str(world.other_school.pk)))
    assert response.status_code == 200 and not Challenge.objects.filter(title="New maze").exists()
    response = teacher.post(reverse(ADD), _form(school=str(world.school.pk)))
    assert response.status_code == 302
    challenge = Challenge.objects.get(title="New maze")
    assert challenge.school == world.school and challenge.hint_list == ["Walk.", "Then walk again."]
    assert challenge.toolbox == ["maze_move_forward", "maze_turn"]


def test_the_centre_writes_city_wide_challenges_that_teachers_cannot_change(client_as, lab):
    centre = client_as("centre_staff")
    assert centre.post(reverse(ADD), _form(title="City maze 2")).status_code == 302
    city = Challenge.objects.get(title="City maze 2")
    assert city.school is None
    teacher = client_as("homeroom_teacher")
    listing = teacher.get(reverse("wagtailsnippets_coding_lab_challenge:list")).content.decode()
    assert "Two steps" in listing and "City maze 2" not in listing
    assert teacher.get(reverse("wagtailsnippets_coding_lab_challenge:delete", args=[city.pk])).status_code == 404
    assert teacher.post(reverse("wagtailsnippets_coding_lab_challenge:delete", args=[city.pk])).status_code == 404
    assert Challenge.objects.filter(pk=city.pk).exists()


def test_bad_programs_and_mazes_are_refused_in_the_admin_with_a_reason(client_as, world):
    teacher = client_as("homeroom_teacher")
    school = str(world.school.pk)
    response = teacher.post(reverse(ADD), _form(school=school, starter="<xml/>", maze="#S#"))
    form = response.context["form"]
    assert "starter" in form.errors and "maze" in form.errors
    turtle = teacher.post(reverse(ADD), _form(school=school, stage_type="turtle", maze=""))
    assert "solution" in turtle.context["form"].errors


def test_a_turtle_challenge_keeps_the_picture_its_solution_draws(world):
    challenge = Challenge.objects.create(
        school=world.school, title="Square", stage_type="turtle", solution=dumps(polygon(4, 50))
    )
    assert len(challenge.target) == 4
    assert challenge.goal().target_segments[0] == (200.0, 200.0, 200.0, 150.0)


def test_the_challenge_block_is_offered_to_lessons_and_pages_and_links_to_the_lab(lab):
    offered = dict(blocks_for("lesson"))
    assert "coding_challenge" in offered and "coding_challenge" in dict(blocks_for("page"))
    block = offered["coding_challenge"]
    html = block.render(block.to_python({"challenge": lab.challenge.pk, "intro": "Try it"}))
    assert reverse("coding_lab:challenge", args=[lab.challenge.pk]) in html and "Two steps" in html
