// Runs first on every Hearth page, before it shows anything (app.html). After "Leave quickly" in
// this tab ($lib/quick-exit/quick-exit.ts), a Hearth page reached by Back or Forward (loaded
// anew, or restored from the browser's copy) goes straight on to the same everyday site, so
// there is no Hearth page to go back to. Opening Hearth on purpose (a link, the address typed,
// a reload) is not going back: it clears the mark and the page shows as usual.
(function () {
	var QUICK_EXIT_URL = 'https://weather.com/';
	var KEY = 'hearth:left-quickly';
	function leftQuickly() {
		try {
			return sessionStorage.getItem(KEY) !== null;
		} catch {
			return false;
		}
	}
	function leave() {
		document.documentElement.style.display = 'none';
		location.replace(QUICK_EXIT_URL);
	}
	if (leftQuickly()) {
		var navigation = performance.getEntriesByType && performance.getEntriesByType('navigation')[0];
		if (navigation && navigation.type === 'back_forward') leave();
		else
			try {
				sessionStorage.removeItem(KEY);
			} catch {
				// nothing kept, nothing to clear
			}
	}
	addEventListener('pageshow', function (event) {
		if (event.persisted && leftQuickly()) leave();
	});
})();
