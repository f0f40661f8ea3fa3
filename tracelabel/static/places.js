// Narrows a commune picker to the province chosen beside it. Without this script the picker
// lists every commune under its province (<optgroup>), and the form works the same.
(function () {
  "use strict";
  var pickers = document.querySelectorAll("select[data-communes-of]");
  Array.prototype.forEach.call(pickers, function (communes) {
    var province = document.getElementById(communes.getAttribute("data-communes-of"));
    if (!province) {
      return;
    }
    var groups = Array.prototype.slice.call(communes.querySelectorAll("optgroup"));

    function narrow() {
      var code = province.value;
      var chosen = communes.value;
      groups.forEach(function (group) {
        if (group.parentNode === communes) {
          communes.removeChild(group);
        }
      });
      groups.forEach(function (group) {
        if (!code || group.getAttribute("data-province") === code) {
          communes.appendChild(group);
        }
      });
      communes.value = chosen;
      if (communes.value !== chosen) {
        communes.value = "";
      }
    }

    // A commune picked before its province names the province.
    function followCommune() {
      var option = communes.options[communes.selectedIndex];
      var group = option && option.parentNode;
      if (!province.value && group && group.tagName === "OPTGROUP") {
        province.value = group.getAttribute("data-province");
        narrow();
      }
    }

    province.addEventListener("change", narrow);
    communes.addEventListener("change", followCommune);
    narrow();
  });
})();
