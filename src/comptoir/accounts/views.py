from django.http import HttpResponse


def invitation_accept(request, token):  # placeholder, replaced by the pages work
    return HttpResponse("todo")
