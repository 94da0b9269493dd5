"""The staff console (업무): server-rendered screens for operators, officers and heads, committee
members, agency admins and super admins. Every screen is a client of the gateway's own public
API, called in-process with the staff member's session: the console adds no rule, check or
error of its own, so what an officer cannot do through the API they cannot do here either."""
