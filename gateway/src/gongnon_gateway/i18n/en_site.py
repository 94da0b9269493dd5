"""English for the public site's strings (Korean source text → English).

Korean is the key: the templates' texts, and the Korean labels and messages the site's Python
hands to them (flash messages, form errors, error pages, role, status and decision names, the
timeline's sentences). Policy areas, districts and stages have their English in
`gongnon_contracts.reference` and are not repeated here."""

from __future__ import annotations

SITE: dict[str, str] = {
    # --- the layout (base.html) ---------------------------------------------------------
    "민주주의 서울": "Democracy Seoul",
    "공론": "Gongnon",
    "본문 바로가기": "Skip to content",
    "주 메뉴": "Main menu",
    "시민제안": "Proposals",
    "제안하기": "Propose",
    "시민토론": "Debates",
    "서울시가 묻습니다": "Seoul asks",
    "결정": "Decisions",
    "실행": "Execution",
    "부서별 답변": "Answers by department",
    "알림함": "Notifications",
    "본인인증": "Verify identity",
    "업무": "Staff console",
    "{name}님": "{name}",
    "로그아웃": "Log out",
    "로그인": "Log in",
    "회원가입": "Sign up",
    "시민이 제안하고, 함께 결정합니다": "Citizens propose, and we decide together",
    "공공데이터": "Open data",
    # --- home and the proposal lists -------------------------------------------------------
    "시민 여러분의 제안으로 서울이 바뀝니다": "Your proposals change Seoul",
    "실시간 현황": "Live figures",
    "누적 공감": "Supports so far",
    "공감 달성(부서답변)": "Reached the answer threshold",
    "시민토론 후보": "Debate candidates",
    "실행 결정": "Approved for execution",
    "실행 완료": "Carried out",
    "시민 제안하기": "Make a proposal",
    "정렬": "Sort",
    "최신 제안": "Newest",
    "공감 많은 제안": "Most supported",
    "정책분류": "Policy area",
    "전체": "All",
    "자치구와 해시태그로 찾기": "Search by district and hashtag",
    "자치구": "District",
    "서울 전체": "All of Seoul",
    "해시태그": "Hashtag",
    "#따릉이": "#bikes",
    "찾기": "Search",
    "필터 해제": "Clear filters",
    "해시태그가 달린 제안": "proposals with this hashtag",
    "더 보기": "More",
    "제안 목록을 불러오지 못했습니다. 잠시 후 다시 시도해 주세요.": (
        "We could not load the proposals. Please try again in a moment."
    ),
    "아직 등록된 제안이 없습니다.": "There are no proposals yet.",
    "첫 제안을 남겨 주세요.": "Be the first to propose.",
    "공감 {n}": "Supporters: {n}",
    # --- agency sub-sites ---------------------------------------------------------------------
    "{agency} 시민제안": "{agency} proposals",
    "{agency}에 제안하기": "Propose to {agency}",
    "{agency}의 공론장은 {date}에 종료되어 새 제안을 받지 않습니다. "
    "지금까지의 제안과 답변은 기록으로 보관되어 누구나 볼 수 있습니다.": (
        "{agency} closed its space on {date} and takes no new proposals. "
        "Its proposals and answers are kept as a record that anyone can read."
    ),
    # --- a proposal's page ------------------------------------------------------------------
    "제안자 {name}": "Proposed by {name}",
    "공감": "Support",
    "공감 {threshold}에 이르면 {goal}": "{goal} at {threshold} supporters",
    "{unit} {threshold}에 이르면 {goal}": "{goal} at {threshold} {unit}",
    "현재": "now",
    "다음 단계까지": "Progress to the next step",
    "공감하기": "Support",
    "본인인증을 마친 시민만 공감할 수 있습니다(1인 1공감).": (
        "Only citizens who have verified their identity can support (one person, one support)."
    ),
    "본인인증 하기": "Verify your identity",
    "로그인하고 공감하기": "Log in to support",
    "{n} 공감 달성 → {goal}": "Reached {n} supporters → {goal}",
    "{n} {unit} 달성 → {goal}": "Reached {n} {unit} → {goal}",
    "제안 내용": "The proposal",
    "부서 답변": "Department's answer",
    "부서 답변 정보를 지금은 불러올 수 없습니다.": "The department's answer cannot be loaded just now.",
    "아직 부서 검토가 시작되지 않았습니다.": "No department has started reviewing this yet.",
    "{date} 답변": "Answered {date}",
    "사유": "Reason",
    "사유: {reason}": "Reason: {reason}",
    "에서 검토 중입니다.": " is reviewing this.",
    "답변 기한 {date}": "Answer due {date}",
    "기한 초과": "Overdue",
    "진행 경과": "Timeline",
    "진행 경과를 지금은 불러올 수 없습니다.": "The timeline cannot be loaded just now.",
    "아직 기록이 없습니다.": "Nothing recorded yet.",
    "운영정책에 따라 숨김 처리된 제안입니다": "This proposal has been hidden under our moderation policy",
    "제안자가 철회한 제안입니다. 기록은 그대로 공개됩니다.": (
        "The proposer withdrew this proposal. Its record stays public."
    ),
    "비공개 제안입니다. 제안자와 운영자만 볼 수 있습니다.": (
        "This proposal is private. Only the proposer and the operators can see it."
    ),
    "관심 제안 해제": "Stop following",
    "관심 제안 등록": "Follow",
    "신고": "Report",
    "이 제안을 신고하는 사유": "Why are you reporting this proposal?",
    "신고하기": "Send report",
    "하면 관심 제안으로 등록하거나 신고할 수 있습니다.": " to follow or report this proposal.",
    "숨김 처리된 제안": "Hidden proposal",
    "이 제안은 운영팀의 검토에 따라 공개 목록과 검색에서 제외되었습니다. "
    "삭제하지 않았으며, 처리 사유는 아래 진행 경과에 공개되어 있습니다.": (
        "After review by our moderators, this proposal was taken out of the public lists and search. "
        "It has not been deleted, and the reason is published in the timeline below."
    ),
    # --- comments -----------------------------------------------------------------------------
    "댓글": "Comments",
    "댓글 {n}": "Comments ({n})",
    "의견을 남겨 주세요": "Leave a comment",
    "댓글 등록": "Post comment",
    "하고 댓글을 남겨 주세요.": " to leave a comment.",
    "댓글을 지금은 불러올 수 없습니다.": "Comments cannot be loaded just now.",
    "첫 댓글을 남겨 주세요.": "Be the first to comment.",
    "이 댓글을 신고하는 사유": "Why are you reporting this comment?",
    "답글 달기": "Reply",
    "답글": "Your reply",
    "답글 등록": "Post reply",
    "운영정책에 따라 숨김 처리된 댓글입니다": "This comment has been hidden under our moderation policy",
    # the reasons for a report (gongnon_contracts.moderation.FLAG_REASONS)
    "욕설·비방": "Abuse or insults",
    "혐오·차별 표현": "Hate or discrimination",
    "광고·도배": "Advertising or spam",
    "개인정보 노출": "Personal information",
    "허위 사실": "False information",
    "기타": "Other",
    # --- the committee, the decision vote and execution ------------------------------------
    "제안실현위원회": "Proposal Committee",
    "1차 심의 평균": "First review average",
    "{score}점": "{score}",
    "/20점 (위원 {n}명)": " of 20 ({n} members)",
    "1차 심의 평균 {score}점/20점 (위원 {n}명)": "First review average {score} of 20 ({n} members)",
    "실행계획": "Action plan",
    "추진방향": "Direction",
    "실행부서 {name}": "Carried out by {name}",
    "실행부서 검토 결과:": "Executing department's review:",
    "실행부서 검토:": "Executing department's review:",
    "실행부서 검토 기한 {date}": "Department's review due {date}",
    "{amount}원": "KRW {amount}",
    "결정 투표": "Decision vote",
    "사업비 {budget}": "Budget: {budget}",
    "의결 정족수 {n}명": "Quorum: {n}",
    "마감 {date}": "Closes {date}",
    "가결": "Passed",
    "부결": "Rejected",
    "찬성 {yes}명, 반대 {no}명 (참여 {turnout}명)": "{yes} for, {no} against ({turnout} voted)",
    "찬성": "For",
    "반대": "Against",
    "본인인증을 마친 시민만 투표할 수 있습니다(1인 1표).": (
        "Only citizens who have verified their identity can vote (one person, one vote)."
    ),
    "로그인하고 투표하기": "Log in to vote",
    "찬성이 50%를 넘고 참여가 의결 정족수 이상이면 실행합니다.": (
        "It goes ahead if more than 50% vote for it and turnout reaches the quorum."
    ),
    "예산 {source}": "Budget: {source}",
    "진행률": "Progress",
    "실행 결과서": "Final report",
    "경과 보고": "Progress report",
    "투표하러 가기": "Go and vote",
    "부서가 수용한 제안 가운데 제안실현위원회가 선정한 제안입니다. 실행계획서를 실행부서가 적정하다고 판단하면 "
    "시민 결정 투표가 열리고, 찬성이 50%를 넘고 참여가 의결 정족수 이상이면 실행합니다.": (
        "Proposals that a department accepted and the Proposal Committee selected. When the executing "
        "department finds the action plan suitable, citizens vote on it; it goes ahead if more than 50% "
        "vote for it and turnout reaches the quorum."
    ),
    "시민이 결정한 제안의 실행 과정입니다. 비예산 사업은 바로 실행하고, 예산 사업은 자체예산이나 "
    "시민참여예산을 확보한 뒤 1~2년에 걸쳐 실행합니다. 경과와 결과 보고서를 모두 공개합니다.": (
        "How the proposals citizens decided on are carried out. Work that needs no budget starts at once; "
        "work that needs one starts once the department's own or the participatory budget is secured, "
        "and takes one to two years. Every progress report and final report is published."
    ),
    "{date} 완료": "Completed {date}",
    "{date} 시작": "Started {date}",
    "상태별 보기": "Show by status",
    "목록을 불러오지 못했습니다. 잠시 후 다시 시도해 주세요.": (
        "We could not load the list. Please try again in a moment."
    ),
    "아직 해당하는 제안이 없습니다.": "No proposals here yet.",
    "다음 목록": "Next page",
    # the committee's and execution's labels (civic_views, civic_routes, review-svc)
    "1차 심의 중": "First review",
    "선정되지 않음": "Not selected",
    "실행계획 작성 중": "Action plan being written",
    "실행부서 검토 중": "With the executing department",
    "결정 투표 중": "Decision vote open",
    "폐기됨": "Discarded",
    "투표 부결": "Rejected in the vote",
    "예산 확보 중": "Securing the budget",
    "실행 중": "Under way",
    "비예산": "No budget needed",
    "자체예산": "Department's own budget",
    "시민참여예산": "Participatory budget",
    "적정": "Suitable",
    "수정": "Needs revision",
    "당위성": "Necessity",
    "변화성": "Changeability",
    "실행성": "Feasibility",
    "파급성": "Impact",
    "제안실현위원회 1차 심의에서 선정되지 않았습니다.": "Not selected in the Proposal Committee's first review.",
    "결정 투표에서 부결되었습니다.": "Rejected in the decision vote.",
    # --- debates and consultations ---------------------------------------------------------
    "서울시가 시민에게 직접 묻습니다. 정책을 세우기 전에 시민 여러분의 의견을 듣고, "
    "결과는 담당 부서가 검토해 답변합니다.": (
        "Seoul asks citizens directly. We hear your views before making a policy, "
        "and the department in charge reviews the results and answers."
    ),
    "공감을 많이 받은 시민제안을 두고 함께 토론합니다. 참여가 기준을 넘으면 시장이 직접 답변합니다.": (
        "We debate the proposals with the most support. If enough people take part, the mayor answers in person."
    ),
    "아직 진행된 서울시가 묻습니다가 없습니다.": "Seoul has not asked anything yet.",
    "아직 진행된 시민토론이 없습니다.": "There have been no debates yet.",
    "투표기간 {period}": "Voting {period}",
    "참여 {n}명": "{n} taking part",
    "투표유형 : {type}": "Type: {type}",
    "투표기간 : {period}": "Voting: {period}",
    "이 토론은 시민제안에서 시작되었습니다.": "This debate started from a citizen's proposal.",
    "내용": "Details",
    "투표": "Vote",
    "투표 시작 전입니다. {period} 동안 참여하실 수 있습니다.": (
        "Voting has not started yet. You can take part {period}."
    ),
    "투표가 마감되었습니다. 결과를 집계하고 있습니다.": "Voting has closed. The results are being counted.",
    "공감에 투표해 주세요. 토론/의견은 댓글로!": "Vote if you support it. Debate and views go in the comments!",
    "소중한 의견을 선택해 주세요. (최대 {n}개 선택)": "Choose your answers (up to {n}).",
    "질문마다 하나씩 답해 주세요.": "Answer each question once.",
    "아래에서 선택해 주세요.": "Choose below.",
    "투표가 진행 중입니다. 소중한 의견을 검토 후 결과를 공개하겠습니다.": (
        "Voting is open. We will review your views and publish the results."
    ),
    "찬반 선택": "For or against",
    "투표하기": "Vote",
    "최대 {n}개까지 고를 수 있습니다": "You can choose up to {n}",
    "투표완료": "Submit",
    "댓글로 토론하기": "Debate in the comments",
    "로그인하고 참여하기": "Log in to take part",
    "토론결과": "Results",
    "투표가 끝나면 결과를 공개합니다.": "The results are published when voting ends.",
    "투표 결과": "Vote results",
    "총": "In total",
    "명 참여": " people took part",
    "{date} 공개": "published {date}",
    "{n}명 ({percent}%)": "{n} ({percent}%)",
    "투표가 끝나면 결과가 담당 부서로 전달되고, {n}일 이내에 답변합니다.": (
        "When voting ends the results go to the department in charge, which answers within {n} days."
    ),
    "투표가 끝나면 결과가 담당 부서로 전달되고 답변합니다.": (
        "When voting ends the results go to the department in charge, which answers."
    ),
    "토론 의견": "Views",
    "찬반 의견과 토론은 제안의 댓글로 나눠 주세요.": "Share your views and debate in the proposal's comments.",
    "댓글 보기": "See the comments",
    "찬반형": "For or against",
    "토론형": "Discussion",
    "리서치형": "Survey",
    "문답형": "Multiple choice",
    "예정": "Upcoming",
    "진행중": "Open",
    "집계중": "Counting",
    "결과공개": "Results published",
    # --- departments ----------------------------------------------------------------------------
    "부서별 답변 현황": "Answers by department",
    "공감 기준을 넘은 시민제안에 각 부서가 얼마나, 얼마나 빨리 답했는지 공개합니다. "
    "답변은 관리자 승인 후 공개된 것만 셉니다.": (
        "How many of the proposals that passed the support threshold each department answered, and how fast. "
        "Only answers published after approval count."
    ),
    "기간 선택": "Choose a period",
    "기간": "Period",
    "{year}년": "{year}",
    "보기": "Show",
    "현황을 불러오지 못했습니다. 잠시 후 다시 시도해 주세요.": (
        "We could not load the figures. Please try again in a moment."
    ),
    "이 기간에 부서 답변 대상이 된 제안이 없습니다.": "No proposals needed a department's answer in this period.",
    "답변 대상 {cases}건 · 답변 완료 {answered}건 · 기한 지남 {overdue}건": (
        "To answer: {cases} · Answered: {answered} · Past the deadline: {overdue}"
    ),
    "{year}년에 답변 대상이 된 제안": "Proposals due an answer in {year}",
    "전체 기간": "All time",
    "부서": "Department",
    "답변 대상": "To answer",
    "답변 완료": "Answered",
    "기한 내 답변": "Answered on time",
    "답변까지 (중앙값)": "Time to answer (median)",
    "검토 중": "In review",
    "기한 지남": "Past the deadline",
    "{n}일": "{n} days",
    # --- account pages and the inbox ---------------------------------------------------------
    "이메일": "Email",
    "비밀번호": "Password",
    "아직 회원이 아니신가요?": "Not signed up yet?",
    "닉네임": "Display name",
    "(8자 이상)": "(8 characters or more)",
    "가입하기": "Sign up",
    "가입 후 본인인증을 하면 제안하고 공감할 수 있습니다. 공감은 한 사람당 한 번입니다.": (
        "Once you have signed up and verified your identity, you can propose and support. "
        "Each person can support a proposal once."
    ),
    "공감과 투표는 1인 1표입니다. 여러 계정을 가지고 있어도 같은 사람은 한 번만 참여할 수 있도록 본인인증을 합니다.": (
        "Supports and votes are one per person. We verify identity so that one person takes part once, "
        "however many accounts they have."
    ),
    "입력하신 정보는 저장하지 않고, 인증 결과(연계정보)만 보관합니다.": (
        "We do not store what you enter, only the result of the check (a linking code)."
    ),
    "이미 본인인증을 마쳤습니다.": "You have already verified your identity.",
    "이름": "Name",
    "생년월일": "Date of birth",
    "휴대전화 번호": "Mobile number",
    "인증하기": "Verify",
    "읽지 않음 {n}": "Unread: {n}",
    "새 알림이 없습니다.": "No new notifications.",
    "제안 보기": "View the proposal",
    "읽음 표시": "Mark as read",
    # --- the proposal form ----------------------------------------------------------------------
    "제안하려면 먼저 본인인증을 해 주세요.": "To make a proposal, first verify your identity.",
    "제안할 기관": "Agency",
    "제목": "Title",
    "선택해 주세요": "Choose one",
    "(선택)": "(optional)",
    "비슷한 제안이 있어요": "There are similar proposals",
    "같은 내용이라면 새로 쓰기보다 기존 제안에 공감해 주세요.": (
        "If yours is the same, please support the existing proposal rather than writing a new one."
    ),
    "제안 등록": "Submit proposal",
    # --- error pages (views.ERROR_PAGES) --------------------------------------------------------
    "처음으로": "Go to the home page",
    "요청을 처리하지 못했습니다": "We could not process your request",
    "요청 내용을 확인한 뒤 다시 시도해 주세요.": "Check your request and try again.",
    "로그인이 필요합니다": "You need to log in",
    "다시 로그인해 주세요.": "Please log in again.",
    "권한이 없습니다": "You do not have permission",
    "이 페이지를 볼 수 없습니다.": "You cannot see this page.",
    "찾을 수 없습니다": "Page not found",
    "요청하신 페이지가 없거나 삭제되었습니다.": "The page you asked for does not exist or has been deleted.",
    "지원하지 않는 요청입니다": "Request not supported",
    "이 주소에서는 그런 방식의 요청을 받지 않습니다.": "This address does not accept that kind of request.",
    "보내신 내용이 너무 큽니다": "What you sent is too large",
    "내용을 줄여 다시 시도해 주세요.": "Make it shorter and try again.",
    "입력 내용을 확인해 주세요": "Check what you entered",
    "보내신 내용 중 올바르지 않은 값이 있습니다.": "Some of what you sent is not valid.",
    "요청이 너무 많습니다": "Too many requests",
    "잠시 후 다시 시도해 주세요.": "Please try again in a moment.",
    "일시적인 오류가 발생했습니다": "Something went wrong",
    "잠시 후 다시 시도해 주세요. 불편을 드려 죄송합니다.": (
        "Please try again in a moment. We are sorry for the trouble."
    ),
    "서비스를 잠시 이용할 수 없습니다": "The service is temporarily unavailable",
    "일시적인 장애로 정보를 불러오지 못했습니다. 잠시 후 다시 시도해 주세요. 불편을 드려 죄송합니다.": (
        "A temporary fault stopped us loading this information. Please try again in a moment. "
        "We are sorry for the trouble."
    ),
    # --- flash messages (views.MESSAGES, deliberation_views.VOTE_MESSAGES) -------------------
    "공감해 주셔서 감사합니다. 공감 수는 잠시 후 반영됩니다.": (
        "Thank you for your support. The count will update in a moment."
    ),
    "이미 공감한 제안입니다. 한 사람이 한 번만 공감할 수 있습니다.": (
        "You have already supported this proposal. Each person can support once."
    ),
    "지금은 공감할 수 없는 제안입니다.": "This proposal cannot be supported now.",
    "공감을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요.": (
        "We could not record your support. Please try again in a moment."
    ),
    "요청이 만료되었습니다. 다시 시도해 주세요.": "The form expired. Please try again.",
    "본인인증이 완료되었습니다. 이제 공감하고 제안할 수 있습니다.": (
        "Your identity is verified. You can now support and propose."
    ),
    "환영합니다! 공감하고 제안하려면 본인인증을 해 주세요.": "Welcome! To support and propose, verify your identity.",
    "로그인되었습니다.": "You are logged in.",
    "로그아웃되었습니다.": "You are logged out.",
    "제안이 등록되었습니다.": "Your proposal has been submitted.",
    "댓글이 등록되었습니다.": "Your comment has been posted.",
    "댓글 내용을 입력해 주세요 (3,000자 이내).": "Write your comment (up to 3,000 characters).",
    "숨김 처리된 댓글에는 답글을 달 수 없습니다.": "You cannot reply to a hidden comment.",
    "철회되었거나 검토 중인 제안에는 댓글을 달 수 없습니다.": (
        "You cannot comment on a proposal that was withdrawn or is under review."
    ),
    "신고가 접수되었습니다. 운영팀이 확인하겠습니다.": "Thank you for your report. Our moderators will look at it.",
    "이미 신고하셨습니다. 한 사람이 한 번만 신고할 수 있습니다.": (
        "You have already reported this. Each person can report once."
    ),
    "본인이 쓴 글은 신고할 수 없습니다.": "You cannot report what you wrote yourself.",
    "신고 사유를 골라 주세요.": "Choose a reason for the report.",
    "관심 제안으로 등록했습니다. 진행 소식을 알림함으로 알려 드립니다.": (
        "You are following this proposal. We will send updates to your notifications."
    ),
    "관심 제안에서 해제했습니다.": "You have stopped following this proposal.",
    "요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요.": (
        "We could not process your request. Please try again in a moment."
    ),
    "결정 투표에 참여해 주셔서 감사합니다. 결과는 투표 마감 후 공개됩니다.": (
        "Thank you for voting. The result is published when the vote closes."
    ),
    "이미 결정 투표에 참여했습니다. 한 사람이 한 번만 투표할 수 있습니다.": (
        "You have already voted. Each person can vote once."
    ),
    "결정 투표 기간이 아닙니다.": "The decision vote is not open.",
    "참여해 주셔서 감사합니다. 소중한 의견을 검토 후 결과를 공개하겠습니다.": (
        "Thank you for taking part. We will review your views and publish the results."
    ),
    "이미 참여하셨습니다. 한 사람이 한 번만 투표할 수 있습니다.": (
        "You have already taken part. Each person can vote once."
    ),
    "투표 기간이 아닙니다.": "Voting is not open.",
    "선택을 확인해 주세요.": "Check your choices.",
    "지금은 투표할 수 없는 항목입니다.": "You cannot vote on this now.",
    "투표를 처리하지 못했습니다. 잠시 후 다시 시도해 주세요.": (
        "We could not record your vote. Please try again in a moment."
    ),
    # --- form errors (routes.FORM_ERRORS, routes.CROSS_SITE, agency_form.PROBLEMS) --------------
    "다른 사이트에서 보낸 요청은 받지 않습니다. 이 페이지에서 다시 시도해 주세요.": (
        "We do not accept requests sent from other sites. Please try again from this page."
    ),
    "제목, 내용, 정책분류를 모두 입력해 주세요.": "Fill in the title, the text and the policy area.",
    "본인인증을 마친 시민만 제안할 수 있습니다.": "Only citizens who have verified their identity can propose.",
    "제안을 등록하지 못했습니다: {reason}": "We could not submit your proposal: {reason}",
    "이메일 또는 비밀번호가 맞지 않습니다.": "The email or password is not right.",
    "올바른 이메일 주소를 입력해 주세요.": "Enter a valid email address.",
    "닉네임을 1~40자로 입력해 주세요.": "Enter a display name of 1 to 40 characters.",
    "비밀번호는 8자 이상이어야 합니다.": "The password must be 8 characters or more.",
    "이미 가입된 이메일입니다.": "This email is already signed up.",
    "가입하지 못했습니다.": "We could not sign you up.",
    "생년월일을 YYYY-MM-DD 형식으로 입력해 주세요.": "Enter your date of birth as YYYY-MM-DD.",
    "입력하신 정보를 확인해 주세요.": "Check the details you entered.",
    "이 계정은 이미 다른 사람으로 인증되었습니다.": "This account is already verified as someone else.",
    "운영 계정은 본인인증 대상이 아닙니다.": "Staff accounts do not verify identity.",
    "본인인증을 하지 못했습니다.": "We could not verify your identity.",
    "기관을 다시 선택해 주세요.": "Choose the agency again.",
    "{name}의 공론장은 종료되어 새 제안을 받지 않습니다.": "{name} has closed its space and takes no new proposals.",
    # --- names of roles, actions, decisions and deadlines (views.py) ----------------------------
    "시민": "Citizen",
    "시스템": "System",
    "담당부서": "Department",
    "운영자": "Operator",
    "기관장": "Head of agency",
    "기관 관리자": "Agency admin",
    "공개": "Public",
    "부서답변": "Department answer",
    "시장(기관장) 답변": "Answer from the mayor",
    "종료": "Closed",
    "수용": "Accepted",
    "부분수용": "Partly accepted",
    "불수용": "Not accepted",
    "토론 참여": "debate participants",
    "마감": "Closed",
    "D-day": "Last day",
    "D-{n}": "{n} days left",
    # --- the timeline's sentences (timeline_views.TEXTS, OUTCOMES, FIELDS) ------------------
    "시민 제안이 등록되었습니다.": "A citizen submitted this proposal.",
    "운영자 제안이 등록되었습니다.": "An operator submitted this proposal.",
    "시민 제안이 등록되었습니다. 사전동의를 모으는 중이며 링크로만 볼 수 있습니다.": (
        "A citizen submitted this proposal. It is gathering early support and can be seen only through its link."
    ),
    "운영자 제안이 등록되었습니다. 사전동의를 모으는 중이며 링크로만 볼 수 있습니다.": (
        "An operator submitted this proposal. It is gathering early support and can be seen only through its link."
    ),
    "공감 {n}개를 달성하여 {outcome}.": "Reached {n} supporters: {outcome}.",
    "공감 {n}개를 달성하여 {outcome}. {days}일 이내에 처리해야 합니다.": (
        "Reached {n} supporters: {outcome}. This must be done within {days} days."
    ),
    "토론 참여 {n}명을 달성하여 {outcome}.": "Reached {n} debate participants: {outcome}.",
    "토론 참여 {n}명을 달성하여 {outcome}. {days}일 이내에 처리해야 합니다.": (
        "Reached {n} debate participants: {outcome}. This must be done within {days} days."
    ),
    "목록에 공개되었습니다": "it is now listed publicly",
    "부서 답변 대상이 되었습니다": "the department will answer it",
    "토론 의제 후보가 되었습니다": "it is now a candidate for a debate",
    "기관장 답변 대상이 되었습니다": "the head of the agency will answer it",
    "결정 투표 대상이 되었습니다": "it now goes to a decision vote",
    "종료되었습니다": "it has closed",
    "기간 안에 공감 {n}개에 도달하지 못했습니다 (현재 {value}).": "Did not reach {n} supporters in time (now {value}).",
    "기간 안에 토론 참여 {n}명에 도달하지 못했습니다 (현재 {value}).": (
        "Did not reach {n} debate participants in time (now {value})."
    ),
    "공감 기간이 종료되었습니다 (최종 공감 {n}).": "The support period has ended ({n} supporters in the end).",
    "{department}에 부서검토가 배정되었습니다 (답변 기한 {due}).": (
        "Sent to {department} for review (answer due {due})."
    ),
    "담당 부서가 답변을 제출했습니다. 관리자 승인 후 공개됩니다.": (
        "The department has submitted its answer. It is published once approved."
    ),
    "{department}의 답변이 공개되었습니다: {decision}.": "{department}'s answer is published: {decision}.",
    "결정 투표가 가결되었습니다: 찬성 {yes}명, 반대 {no}명 (참여 {turnout}명, 의결 정족수 {quorum}명).": (
        "The decision vote passed: {yes} for, {no} against ({turnout} voted, quorum {quorum})."
    ),
    "결정 투표가 부결되었습니다: 찬성 {yes}명, 반대 {no}명 (참여 {turnout}명, 의결 정족수 {quorum}명).": (
        "The decision vote was rejected: {yes} for, {no} against ({turnout} voted, quorum {quorum})."
    ),
    "결정 투표가 시작되었습니다 (사업비 {budget}, 의결 정족수 {quorum}명).": (
        "The decision vote has opened (budget: {budget}, quorum {quorum})."
    ),
    "결정 투표가 시작되었습니다 (사업비 {budget}, 의결 정족수 {quorum}명, {closes} 마감).": (
        "The decision vote has opened (budget: {budget}, quorum {quorum}, closes {closes})."
    ),
    "제안자가 제안을 수정했습니다 ({fields}).": "The proposer edited the proposal ({fields}).",
    "제안자가 제안을 철회했습니다 (철회 시점 공감 {n}).": (
        "The proposer withdrew the proposal ({n} supporters at the time)."
    ),
    "운영자가 이 제안을 숨김 처리했습니다. 사유: {reason}": "An operator hid this proposal. Reason: {reason}",
    "운영자가 이 제안을 복원했습니다. 사유: {reason}": "An operator restored this proposal. Reason: {reason}",
    "운영자가 이 제안을 휴지통으로 이동했습니다. 사유: {reason}": (
        "An operator moved this proposal to the bin. Reason: {reason}"
    ),
    "운영자가 댓글을 숨김 처리했습니다. 사유: {reason}": "An operator hid a comment. Reason: {reason}",
    "운영자가 댓글을 복원했습니다. 사유: {reason}": "An operator restored a comment. Reason: {reason}",
    "운영자가 댓글을 휴지통으로 이동했습니다. 사유: {reason}": (
        "An operator moved a comment to the bin. Reason: {reason}"
    ),
    "운영자가 이 제안을 공개로 전환했습니다. 사유: {reason}": "An operator made this proposal public. Reason: {reason}",
    "운영자가 이 제안을 비공개로 전환했습니다. 사유: {reason}": (
        "An operator made this proposal private. Reason: {reason}"
    ),
    "시민토론이 열렸습니다 ({vote_type}, {period}).": "The debate has opened ({vote_type}, {period}).",
    "서울시가 묻습니다가 열렸습니다 ({vote_type}, {period}).": "Seoul asks: voting has opened ({vote_type}, {period}).",
    "이 제안으로 시민토론이 열렸습니다 ({closes}까지).": "A debate on this proposal has opened (until {closes}).",
    "투표가 마감되어 결과를 공개합니다. 참여 {total}명.": (
        "Voting has closed and the results are published. {total} took part."
    ),
    "시민토론이 마감되었습니다. 참여 {total}명.": "The debate has closed. {total} took part.",
    "제안실현위원회 안건으로 등록되었습니다 (1차 심의: 당위성·변화성·실행성·파급성).": (
        "Taken up by the Proposal Committee (first review: necessity, change, feasibility and impact)."
    ),
    "제안실현위원회 1차 심의에서 선정되었습니다: 평균 {average}점/20점, 위원 {scorers}명, {rank}위.": (
        "Selected in the Proposal Committee's first review: average {average} of 20, {scorers} members, ranked {rank}."
    ),
    "제안실현위원회 1차 심의에서 선정되지 않았습니다: 평균 {average}점/20점, 위원 {scorers}명, {rank}위.": (
        "Not selected in the Proposal Committee's first review: average {average} of 20, {scorers} members, "
        "ranked {rank}."
    ),
    "실행계획서({revision}차)가 작성되었습니다: {direction} ({budget}). "
    "실행부서 {department}이(가) {due}까지 적정성을 검토합니다.": (
        "Action plan (version {revision}) written: {direction} ({budget}). "
        "{department} will review whether it is suitable by {due}."
    ),
    "실행부서의 적정성 검토 결과: 적정. 결정 투표가 열립니다.": (
        "The executing department found the plan suitable. A decision vote will open."
    ),
    "실행부서의 적정성 검토 결과: 수정. 실행계획서를 다시 작성합니다.": (
        "The executing department asked for changes. The action plan will be rewritten."
    ),
    "실행부서의 적정성 검토 결과: 폐기. 제안은 종료됩니다.": (
        "The executing department discarded the plan. The proposal is closed."
    ),
    "{said} 사유: {reason}": "{said} Reason: {reason}",
    "실행부서의 적정성 검토 기한({due})이 지났습니다.": (
        "The executing department's review deadline ({due}) has passed."
    ),
    "실행이 결정되었습니다. 실행부서가 예산({track})을 확보하는 중입니다.": (
        "Approved for execution. The department is securing the budget ({track})."
    ),
    "실행부서가 실행을 시작했습니다 ({source}).": "The department has started the work ({source}).",
    "실행 경과: {title} (진행률 {pct}%).": "Progress: {title} ({pct}% done).",
    "실행 결과서가 공개되었습니다: {title}.": "Final report published: {title}.",
    "실행 경과 보고서가 공개되었습니다: {title}.": "Progress report published: {title}.",
    "실행이 완료되었습니다.": "The work is complete.",
    "제안 목록": "Proposals list",
}
